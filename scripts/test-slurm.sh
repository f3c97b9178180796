#!/usr/bin/env bash
# A real one-node Slurm (munged + slurmctld + slurmd) inside one node of a test cluster made by
# scripts/test-cluster.sh, for the tests of cluster-exec's Slurm backend.
#
# The three daemons join the namespaces of the node's sshd (network, hostname, mount), so they
# run "on" the node: jobs see its hostname and faked /proc files, and an ssh session as cetest
# into the node finds the config at the default /etc/slurm/slurm.conf (our $SLURM_DIR/etc,
# bind-mounted over /etc/slurm in that node's mount namespace only). Controller and slurmd are
# addressed as 127.0.0.1 of the node's namespace (they listen there on all of the node's
# addresses, never in the host namespace); a Slurm client run in the host namespace with
# SLURM_CONF only reaches the host's own loopback, where nothing listens.
#
#   $SLURM_DIR = $CE_CLUSTER_DIR/slurm
#     etc/{slurm.conf,cgroup.conf,plugstack.conf}   config (SLURM_CONF for clients outside ssh)
#     munge/{munge.key,munge.socket,...}            munged's key (0400 munge), socket, pid, log
#     state/ spool/ run/ log/                      controller state, slurmd spool, pids, logs
#     log/jobcomp.log                               one line per finished job (sacct -c reads it)
#
# Measured behaviour (srun/sbatch/scancel/squeue/scontrol/sinfo, timings, what does not work such
# as plain sacct, gotchas): test/slurm/NOTES.md.
#
# Usage: test-slurm.sh VERB [ARGS]
#   deps           install the test packages, Slurm's among them (scripts/test-packages.txt, one
#                  list for every test: this runs `test-cluster.sh deps`; no service is started)
#   up [NODE]      start Slurm inside NODE (default n1) of the running test cluster, wait until
#                  the node is idle; idempotent; prints the slurm.conf path on stdout
#   down           cancel every job, stop the daemons, unmount, remove $SLURM_DIR
#   status         daemons and sinfo
#   exec CMD...    run CMD as root inside the node (its namespaces, SLURM_CONF set)
#
# Environment: CE_CLUSTER_ID, CE_CLUSTER_DIR (as for test-cluster.sh); CE_SLURM_CPUS (CPUs of
# the Slurm node, default: nproc). Progress goes to stderr only.
set -euo pipefail

ID="${CE_CLUSTER_ID:-ce}"
if [[ ! "$ID" =~ ^[a-z0-9]{1,4}$ ]]; then
  echo "test-slurm: CE_CLUSTER_ID must match [a-z0-9]{1,4}, got '$ID'" >&2
  exit 2
fi
DIR="${CE_CLUSTER_DIR:-/tmp/cluster-exec-test-$ID}"
DIR="${DIR%/}"
if [[ ! "$DIR" =~ ^/[^/]+/[^/] || "$DIR" == *..* ]]; then
  echo "test-slurm: refusing CE_CLUSTER_DIR '$DIR'" >&2
  exit 2
fi
S="$DIR/slurm"
CONF="$S/etc/slurm.conf"
MUNGE_SOCKET="$S/munge/munge.socket"
# Same lock as test-cluster.sh: a cluster is never torn down or rebuilt while we work in it.
LOCK="/run/lock/cluster-exec-test-$ID.lock"
READY_WAIT_S=30
STOP_WAIT_S=10
CLEAN_PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

log() { echo "[test-slurm $ID] $*" >&2; }
die() {
  echo "[test-slurm $ID] error: $*" >&2
  exit 1
}

# Is PID alive (zombies count as dead: PID 1 here may reap them late)?
alive() {
  local st
  st="$(awk '/^State:/{print $2}' "/proc/$1/status" 2>/dev/null || true)"
  [[ -n "$st" && "$st" != Z && "$st" != X ]]
}

# ---------------------------------------------------------------------------------------------
# Slurm's tools that test-cluster.sh keeps out of every node's PATH (the probe detects the "slurm"
# capability by them): the Slurm node gets them back in its own bin, first in its PATH.
CLIENT_TOOLS=(srun sbatch)
client_tools() {
  local node="$1" t
  for t in "${CLIENT_TOOLS[@]}"; do ln -sf "$(command -v "$t")" "$(node_dir "$node")/bin/$t"; done
}

need_tools() {
  local t
  for t in munged munge unmunge slurmctld slurmd slurmstepd srun sinfo scontrol nsenter runuser; do
    command -v "$t" >/dev/null 2>&1 || die "missing $t; run: $0 deps"
  done
  id -u munge >/dev/null 2>&1 || die "no user munge; run: $0 deps"
}

# ---------------------------------------------------------------------------------------------
node_dir() { echo "$DIR/nodes/$1"; }

# Pid of the listening sshd of NODE (its namespaces are the node), if alive.
sshd_pid() {
  local node="$1" pidf pid
  pidf="$(node_dir "$node")/sshd.pid"
  [[ -f "$pidf" ]] || return 1
  pid="$(cat "$pidf" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  alive "$pid" || return 1
  [[ "$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline")" == *"$(node_dir "$node")/sshd_config"* ]] || return 1
  echo "$pid"
}

# The node named in $S/node (set by up).
current_node() { cat "$S/node" 2>/dev/null || true; }

# Runs CMD inside NODE's network, hostname and mount namespaces (those of its sshd), as root,
# with a clean environment and SLURM_CONF set.
in_node() {
  local node="$1" pid
  shift
  pid="$(sshd_pid "$node")" || die "sshd of $node is not running (test cluster up? start-sshd $node?)"
  nsenter -t "$pid" --net --uts --mount -- \
    env -i PATH="$CLEAN_PATH" LANG=C.UTF-8 HOME=/root SLURM_CONF="$CONF" "$@"
}

# Pid from a pid file if that process is alive and its command is PROG.
daemon_pid() {
  local pidf="$1" prog="$2" pid
  [[ -f "$pidf" ]] || return 1
  pid="$(cat "$pidf" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  alive "$pid" || return 1
  [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == "$prog"* ]] || return 1
  echo "$pid"
}
munged_pid() { daemon_pid "$S/munge/munged.pid" munged; }
slurmctld_pid() { daemon_pid "$S/run/slurmctld.pid" slurmctld; }
slurmd_pid() { daemon_pid "$S/run/slurmd.pid" slurmd; }

# Is /etc/slurm a mount point in the mount namespace of PID?
slurm_etc_mounted() { awk '$5 == "/etc/slurm" {f = 1} END {exit !f}' "/proc/$1/mountinfo" 2>/dev/null; }

cgroup_conf() {
  # slurmd 22.05 initializes a cgroup plugin even with proctrack/linuxproc + task/none, and its
  # autodetection fails on a hybrid v1 layout whose /sys/fs/cgroup is a tmpfs ("No filesystem
  # mounted on /sys/fs/cgroup"): name the version. Nothing is created in the cgroup tree with the
  # plugins used here.
  if [[ "$(stat -fc %T /sys/fs/cgroup 2>/dev/null)" == cgroup2fs ]]; then
    printf 'CgroupPlugin=cgroup/v2\nIgnoreSystemd=yes\n'
  else
    printf 'CgroupPlugin=cgroup/v1\n'
  fi
}

write_conf() {
  local node="$1" cpus="$2"
  cat >"$CONF" <<EOF
# One-node Slurm of test cluster $ID on $node, written by scripts/test-slurm.sh
ClusterName=ce$ID
SlurmctldHost=$node(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=6817
SlurmdPort=6818
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$MUNGE_SOCKET
StateSaveLocation=$S/state
SlurmdSpoolDir=$S/spool
SlurmctldPidFile=$S/run/slurmctld.pid
SlurmdPidFile=$S/run/slurmd.pid
SlurmctldLogFile=$S/log/slurmctld.log
SlurmdLogFile=$S/log/slurmd.log
PlugStackConfig=$S/etc/plugstack.conf
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0
MpiDefault=none
# No slurmdbd: plain sacct says "Slurm accounting storage is disabled". Finished jobs stay in
# squeue -t all / scontrol show job for MinJobAge seconds, and jobcomp/filetxt keeps one line per
# finished job, which "sacct -c" reads.
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$S/log/jobcomp.log
MinJobAge=3600
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
KillWait=5
NodeName=$node NodeHostname=$node NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=debug Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
  cgroup_conf >"$S/etc/cgroup.conf"
  : >"$S/etc/plugstack.conf"
  chmod 644 "$CONF" "$S/etc/cgroup.conf" "$S/etc/plugstack.conf"
}

prepare_dir() {
  local node="$1" cpus="$2"
  rm -rf "$S"
  mkdir -p "$S"/{etc,munge,state,spool,run,log}
  chmod 755 "$S" "$S"/{etc,munge,state,spool,run,log}
  echo "$node" >"$S/node"
  chown munge:munge "$S/munge"
  head -c 1024 /dev/urandom >"$S/munge/munge.key"
  chown munge:munge "$S/munge/munge.key"
  chmod 0400 "$S/munge/munge.key"
  write_conf "$node" "$cpus"
}

# "sacct -c" opens the completion log read-write, and slurmctld resets it to 0644 root whenever it
# opens it (start, reconfigure): after the start, let the test user's group write it.
open_jobcomp() {
  chown root:cetest "$S/log/jobcomp.log" 2>/dev/null || return 0
  chmod 0664 "$S/log/jobcomp.log"
}

wait_for() { # wait_for WHAT SECONDS CMD...
  local what="$1" secs="$2" i
  shift 2
  for i in $(seq 1 $((secs * 20))); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.05
  done
  return 1
}

node_ready() { # the node answers and is idle/mixed/allocated (not down, drained, unknown)
  local st
  st="$(in_node "$1" sinfo -h -n "$1" -o %T 2>/dev/null || true)"
  [[ "$st" =~ ^(idle|mixed|allocated|completing)$ ]]
}

munge_ok() { in_node "$1" bash -c 'munge -n -S "$1" | unmunge -S "$1"' _ "$MUNGE_SOCKET"; }

tail_logs() { tail -n 5 "$S/log/slurmctld.log" "$S/log/slurmd.log" "$S/munge/munged.log" 2>/dev/null || true; }

do_up() {
  local node="${1:-n1}" t0 pid cpus cur
  [[ "$node" =~ ^n[1-9][0-9]*$ ]] || die "bad node name '$node' (expected n1, n2, ...)"
  need_tools
  t0=$(date +%s%N)
  [[ -d "$(node_dir "$node")" ]] || die "node $node is not part of test cluster $ID (is it up?)"
  pid="$(sshd_pid "$node")" || die "sshd of $node is not running"
  # The sshd must really be inside the node's network namespace.
  [[ "$(readlink "/proc/$pid/ns/net")" == "$(ip netns exec "$ID-$node" readlink /proc/self/ns/net)" ]] ||
    die "sshd $pid of $node is not in namespace $ID-$node"
  cpus="${CE_SLURM_CPUS:-$(nproc)}"
  [[ "$cpus" =~ ^[1-9][0-9]*$ ]] || die "CE_SLURM_CPUS must be a positive integer, got '$cpus'"

  cur="$(current_node)"
  if [[ -n "$cur" && "$cur" != "$node" ]]; then
    die "Slurm of cluster $ID already runs on $cur (down first)"
  fi
  if [[ "$cur" == "$node" ]] && munged_pid >/dev/null && slurmctld_pid >/dev/null &&
    slurmd_pid >/dev/null && grep -qx "CPUs=$cpus" <(grep -o 'CPUs=[0-9]*' "$CONF"); then
    # Running: make sure the current sshd (maybe restarted since) sees /etc/slurm.
    slurm_etc_mounted "$pid" || in_node "$node" mount --bind "$S/etc" /etc/slurm
    client_tools "$node"
    node_ready "$node" || wait_for "node $node" "$READY_WAIT_S" node_ready "$node" ||
      die "Slurm runs but $node is not ready: $(in_node "$node" sinfo -h -N -o '%N %T %E' 2>&1)"
    open_jobcomp
    log "already up on $node"
    echo "$CONF"
    return 0
  fi
  if [[ -e "$S" ]]; then
    log "stale or different Slurm found: stopping it first"
    do_down
  fi

  log "state dir $S (node $node, $cpus CPUs)"
  prepare_dir "$node" "$cpus"
  mkdir -p /etc/slurm # the packages make it; the bind target must exist
  slurm_etc_mounted "$pid" || in_node "$node" mount --bind "$S/etc" /etc/slurm
  client_tools "$node"

  # Daemons: stdio to their logs, the lock fd closed (a daemon holding fd 9 would hold the lock).
  log "starting munged"
  in_node "$node" runuser -u munge -- munged --socket="$MUNGE_SOCKET" \
    --key-file="$S/munge/munge.key" --pid-file="$S/munge/munged.pid" \
    --log-file="$S/munge/munged.log" --seed-file="$S/munge/munged.seed" --origin=127.0.0.1 \
    </dev/null >>"$S/log/daemons.out" 2>&1 9>&- || die "munged failed: $(tail_logs)"
  wait_for munged 5 munge_ok "$node" || die "munged does not answer: $(tail_logs)"

  log "starting slurmctld"
  (cd "$S" && in_node "$node" slurmctld -f "$CONF") </dev/null >>"$S/log/daemons.out" 2>&1 9>&- ||
    die "slurmctld failed: $(tail_logs)"
  log "starting slurmd"
  (cd "$S" && in_node "$node" slurmd -f "$CONF" -N "$node") </dev/null >>"$S/log/daemons.out" 2>&1 9>&- ||
    die "slurmd failed: $(tail_logs)"
  wait_for "node $node" "$READY_WAIT_S" node_ready "$node" ||
    die "node $node not ready within ${READY_WAIT_S}s: $(in_node "$node" sinfo -h -N -o '%N %T %E' 2>&1); $(tail_logs)"
  open_jobcomp
  log "up on $node in $((($(date +%s%N) - t0) / 1000000)) ms"
  echo "$CONF"
}

# ---------------------------------------------------------------------------------------------
# Pids of slurmstepd processes in the network namespace NETNS (a /proc/X/ns/net link target) and
# all their descendants (the jobs). One ps for the whole table: forking per /proc entry is slow.
stepd_tree() {
  local netns="$1" table pid roots=()
  table="$(ps -e -o pid=,ppid=,comm=)"
  for pid in $(awk '$3 == "slurmstepd" {print $1}' <<<"$table"); do
    [[ "$(readlink "/proc/$pid/ns/net" 2>/dev/null)" == "$netns" ]] && roots+=("$pid")
  done
  ((${#roots[@]} > 0)) || return 0
  awk -v roots="${roots[*]}" '
    { kids[$2] = kids[$2] " " $1 }
    END {
      n = split(roots, q, " ")
      for (i = 1; i <= n; i++) { print q[i]; seen[q[i]] = 1 }
      for (i = 1; i <= n; i++) {
        m = split(kids[q[i]], k, " ")
        for (j = 1; j <= m; j++) if (!(k[j] in seen)) { seen[k[j]] = 1; q[++n] = k[j]; print k[j] }
      }
    }' <<<"$table"
}

stop_pid() { # TERM, wait, KILL
  local pid="$1" name="$2" i
  [[ -n "$pid" ]] || return 0
  log "stopping $name $pid"
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 $((STOP_WAIT_S * 20))); do
    alive "$pid" || return 0
    sleep 0.05
  done
  log "warning: $name $pid ignored TERM, killing"
  kill -KILL "$pid" 2>/dev/null || true
}

# Kill leftovers that mention $S in their command line (daemons whose node namespace is gone).
kill_dir_procs() {
  local pid
  for pid in $(pgrep -f -- "$S/" || true); do
    [[ "$pid" == "$$" || "$pid" == "$BASHPID" ]] && continue
    alive "$pid" || continue
    log "killing leftover $pid: $(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" || true)"
    kill -9 "$pid" 2>/dev/null || true
  done
}

do_down() {
  local node pid netns="" jobs i
  node="$(current_node)"
  if [[ -n "$node" ]] && pid="$(sshd_pid "$node")"; then
    netns="$(readlink "/proc/$pid/ns/net")"
    if slurmctld_pid >/dev/null; then
      jobs="$(in_node "$node" squeue -h -o %i 2>/dev/null || true)"
      if [[ -n "$jobs" ]]; then
        log "cancelling jobs: $(tr '\n' ' ' <<<"$jobs")"
        # shellcheck disable=SC2086
        in_node "$node" scancel $jobs 2>/dev/null || true
        for i in $(seq 1 $((STOP_WAIT_S * 10))); do
          [[ -z "$(in_node "$node" squeue -h -o %i 2>/dev/null || true)" ]] && break
          sleep 0.1
        done
      fi
    fi
  elif [[ -n "$node" ]] && ip netns list 2>/dev/null | awk '{print $1}' | grep -qx "$ID-$node"; then
    netns="$(ip netns exec "$ID-$node" readlink /proc/self/ns/net)"
  fi
  stop_pid "$(slurmd_pid || true)" slurmd
  stop_pid "$(slurmctld_pid || true)" slurmctld
  if [[ -n "$netns" ]]; then
    # Steps that outlived the cancel (or slurmd): slurmstepd and everything under it.
    local left
    left="$(stepd_tree "$netns" | tr '\n' ' ')"
    if [[ -n "${left// /}" ]]; then
      log "killing leftover job processes: $left"
      # shellcheck disable=SC2086
      kill -9 $left 2>/dev/null || true
    fi
  fi
  stop_pid "$(munged_pid || true)" munged
  kill_dir_procs
  if [[ -n "$node" ]] && pid="$(sshd_pid "$node")" && slurm_etc_mounted "$pid"; then
    in_node "$node" umount /etc/slurm || log "warning: could not unmount /etc/slurm in $node"
  fi
  if [[ -n "$node" ]]; then
    local t
    for t in "${CLIENT_TOOLS[@]}"; do rm -f "$(node_dir "$node")/bin/$t"; done
  fi
  if [[ -e "$S" ]]; then
    log "removing $S"
    rm -rf "$S"
  fi
}

do_status() {
  local node
  node="$(current_node)"
  echo "cluster $ID slurm dir $S node ${node:-none}"
  echo "munged $(munged_pid || echo down) slurmctld $(slurmctld_pid || echo down) slurmd $(slurmd_pid || echo down)"
  if [[ -n "$node" ]] && slurmctld_pid >/dev/null && sshd_pid "$node" >/dev/null; then
    in_node "$node" sinfo -h -N -o '%N %T %C %O %e' || true
    in_node "$node" squeue -h -t all -o '%i %j %u %T %r' || true
  fi
}

with_lock() {
  mkdir -p "$(dirname "$LOCK")"
  exec 9>"$LOCK"
  flock -w 120 9 || die "could not lock $LOCK"
}

main() {
  local verb="${1:-}"
  [[ $# -gt 0 ]] && shift
  case "$verb" in
  deps) exec bash "$(dirname "${BASH_SOURCE[0]}")/test-cluster.sh" deps ;;
  up)
    [[ $# -le 1 ]] || die "usage: $0 up [NODE]"
    with_lock
    do_up "$@"
    ;;
  down)
    # Nothing of ours can exist without the cluster directory or a live daemon naming it.
    if [[ -e "$S" ]] || pgrep -f "$S/" >/dev/null 2>&1; then
      with_lock
      do_down
    fi
    ;;
  status) do_status ;;
  exec)
    [[ $# -ge 1 ]] || die "usage: $0 exec CMD..."
    local node
    node="$(current_node)"
    [[ -n "$node" ]] || die "Slurm of cluster $ID is not up"
    in_node "$node" "$@"
    ;;
  *)
    awk 'NR == 1 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$0" >&2
    exit 2
    ;;
  esac
}

main "$@"
