#!/usr/bin/env bash
# A real multi-node SSH test cluster made of network namespaces, for cluster-exec's tests.
#
#   ${ID}-hub  bridge br0 (no uplink, no address)
#   ${ID}-ctl  controller (the program under test), 10.250.0.2/24
#   ${ID}-nI   node nI, 10.250.0.(10+I)/24, own sshd (user cetest), hostname nI,
#              fake /proc/{loadavg,meminfo,stat} from $DIR/nodes/nI/proc/, and a PATH of its own:
#              $DIR/nodes/nI/bin:$DIR/sysbin, sysbin being this machine's /usr/bin and /bin without
#              the tools cluster-exec's probe looks for (HIDDEN_TOOLS): a node has such a tool only
#              when a test puts a stand-in into its bin, whatever this machine has installed
#   br1 (in ${ID}-hub)  a second bridge, 10.250.1.0/24, made by add-jumped: a node there is
#              reachable only through the jump node that also got an interface on it
#   $DIR/ssh_config    an OpenSSH client config: Host nI (HostName its address, ProxyJump for a
#              jumped node, the test CA's certificate for a node that trusts only it)
#
# Network rule: nothing of the test network ever touches the host namespace. Interfaces are
# created directly inside our namespaces, the bridge has no uplink, no address or route of
# 10.250.0.0/24 exists on the host.
#
# Usage: test-cluster.sh VERB [ARGS]
#   deps                 install the Debian packages of scripts/test-packages.txt (no host-wide sshd is started)
#   up [N]               create/refresh a cluster of N nodes (default 3); prints the config path
#   down                 kill everything in our namespaces, delete them and $DIR
#   status               namespaces and sshd pids
#   stop-sshd NODE       stop the listening sshd of NODE (open sessions survive)
#   start-sshd NODE      start the listening sshd of NODE (no-op when running)
#   kill-node NODE       kill -9 every process in NODE's namespace (listener, sessions, commands)
#   rotate-hostkey NODE  new host key for NODE, restart its listener
#   link-down NODE       take NODE's eth0 down (silent death: no FIN/RST reaches the peers)
#   link-up NODE         bring NODE's eth0 back up
#   add-jumped NODE JUMP new node NODE on the second bridge, reachable only through node JUMP
#   trust-ca NODE        NODE's sshd accepts only user certificates of a test CA; writes
#                        $DIR/id_cert and $DIR/id_cert-cert.pub (signed for user cetest)
#   exec NODE CMD...     run CMD inside NODE's namespace (ip netns exec; NODE may be ctl or hub)
#   ctl CMD...           run CMD inside the controller namespace (stdio and exit code passed through)
#
# Environment: CE_CLUSTER_ID (default "ce", [a-z0-9]{1,4}), CE_CLUSTER_DIR
# (default /tmp/cluster-exec-test-$CE_CLUSTER_ID). Progress goes to stderr only.
set -euo pipefail

ID="${CE_CLUSTER_ID:-ce}"
if [[ ! "$ID" =~ ^[a-z0-9]{1,4}$ ]]; then
  echo "test-cluster: CE_CLUSTER_ID must match [a-z0-9]{1,4}, got '$ID'" >&2
  exit 2
fi
DIR="${CE_CLUSTER_DIR:-/tmp/cluster-exec-test-$ID}"
DIR="${DIR%/}"
# $DIR gets rm -rf'ed by down: refuse anything that is not a dedicated absolute path.
if [[ ! "$DIR" =~ ^/[^/]+/[^/] || "$DIR" == *..* || "$DIR" =~ ^/(home|root|usr|etc|var|bin|lib|opt|srv|run|dev|proc|sys)/?[^/]*$ && "$DIR" != /tmp/* ]]; then
  echo "test-cluster: refusing CE_CLUSTER_DIR '$DIR' (use a dedicated path such as /tmp/x/y)" >&2
  exit 2
fi
LOCK="/run/lock/cluster-exec-test-$ID.lock"
NET_PREFIX="10.250.0"
CTL_IP="$NET_PREFIX.2"
TEST_USER="cetest"
SSHD="/usr/sbin/sshd"
PORT_WAIT_S=5
# The tools the probe detects capabilities by (src/cluster/capabilities.ts; a test keeps the two in
# step): kept out of the nodes' PATH so that tests decide which node has which.
HIDDEN_TOOLS=(docker podman kubectl nvidia-smi ollama swift xcodebuild bwrap srun sbatch)

log() { echo "[test-cluster $ID] $*" >&2; }
die() {
  echo "[test-cluster $ID] error: $*" >&2
  exit 1
}

ns_hub() { echo "$ID-hub"; }
ns_ctl() { echo "$ID-ctl"; }
ns_node() { echo "$ID-$1"; }
node_index() { echo "${1#n}"; }
NET2_PREFIX="10.250.1"
# A jumped node records its address (second bridge) and the node it is reached from.
node_ip() {
  if [[ -f "$DIR/nodes/$1/ip" ]]; then cat "$DIR/nodes/$1/ip"; else echo "$NET_PREFIX.$((10 + $(node_index "$1")))"; fi
}
# Namespace from which NODE's sshd is reachable (the controller, or a jumped node's jump node).
reach_ns() {
  if [[ -f "$DIR/nodes/$1/via" ]]; then ns_node "$(cat "$DIR/nodes/$1/via")"; else ns_ctl; fi
}
node_dir() { echo "$DIR/nodes/$1"; }

check_node() {
  [[ "$1" =~ ^n[1-9][0-9]*$ ]] || die "bad node name '$1' (expected n1, n2, ...)"
  [[ -d "$(node_dir "$1")" ]] || die "node $1 is not part of cluster $ID (is it up?)"
}

# Namespaces of this cluster that currently exist (stale ones included).
our_namespaces() {
  ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^${ID}-(hub|ctl|n[0-9]+)\$" || true
}

ns_exists() { ip netns list 2>/dev/null | awk '{print $1}' | grep -qx "$1"; }

# ---------------------------------------------------------------------------------------------
# The one list of Debian packages the tests need (comments and blank lines skipped).
PACKAGES_FILE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/test-packages.txt"
test_packages() { sed -e 's/#.*//' "$PACKAGES_FILE" | awk 'NF { print $1 }'; }
# Services of the listed packages besides sshd that a maintainer script might start.
DAEMON_PID_FILES="/run/munge/munged.pid /run/slurmctld.pid /run/slurmd.pid /run/slurm/slurmctld.pid /run/slurm/slurmd.pid"

install_deps() {
  local pkgs=()
  mapfile -t pkgs < <(test_packages)
  ((${#pkgs[@]} > 0)) || die "no packages listed in $PACKAGES_FILE"
  local missing=() p
  for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]} == 0)); then
    log "deps: all installed"
    return 0
  fi
  log "deps: installing ${missing[*]}"
  if ! apt-cache policy "${missing[@]}" 2>/dev/null | grep -q 'Candidate: [0-9]'; then
    log "deps: apt-get update"
    apt-get update -qq >&2
  fi
  # Keep any existing policy-rc.d (e.g. Docker's); otherwise put a temporary one in place so
  # the package's maintainer scripts do not start a host-wide sshd.
  local policy=/usr/sbin/policy-rc.d own_policy=0
  if [[ ! -e "$policy" ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    own_policy=1
  fi
  local rc=0 sshd_before f daemons_before=""
  sshd_before="$(cat /run/sshd.pid 2>/dev/null || true)"
  for f in $DAEMON_PID_FILES; do daemons_before+=" $(cat "$f" 2>/dev/null || true)"; done
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 || rc=$?
  if ((own_policy)); then rm -f "$policy"; fi
  ((rc == 0)) || die "apt-get install failed ($rc)"
  # Belt and braces: if the install started a host-wide sshd anyway, stop it (never ours: those
  # run with -f $DIR/... inside namespaces; never one that was running before the install).
  if [[ -f /run/sshd.pid ]]; then
    local hp
    hp="$(cat /run/sshd.pid 2>/dev/null || true)"
    if [[ -n "$hp" && "$hp" != "$sshd_before" ]] && [[ "$(readlink "/proc/$hp/ns/net" 2>/dev/null)" == "$(readlink /proc/1/ns/net)" ]]; then
      log "deps: stopping host-wide sshd $hp started by the package"
      kill "$hp" 2>/dev/null || true
    fi
  fi
  # The same for munged, slurmctld and slurmd (scripts/test-slurm.sh runs its own, in a node).
  local dp
  for f in $DAEMON_PID_FILES; do
    dp="$(cat "$f" 2>/dev/null || true)"
    [[ "$dp" =~ ^[0-9]+$ && " $daemons_before " != *" $dp "* ]] || continue
    if [[ "$(readlink "/proc/$dp/ns/net" 2>/dev/null)" == "$(readlink /proc/1/ns/net)" ]]; then
      log "deps: stopping host-wide daemon $dp ($f) started by a package"
      kill "$dp" 2>/dev/null || true
    fi
  done
  log "deps: done"
}

need_tools() {
  local t
  for t in ip unshare setsid ssh-keygen flock "$SSHD"; do
    command -v "$t" >/dev/null 2>&1 || die "missing $t; run: $0 deps"
  done
}

# ---------------------------------------------------------------------------------------------
ensure_user() {
  if ! id -u "$TEST_USER" >/dev/null 2>&1; then
    log "creating user $TEST_USER"
    useradd -m -d "/home/$TEST_USER" -s /bin/bash "$TEST_USER"
  fi
  # useradd leaves the password as "!" which sshd (UsePAM no) treats as a locked account.
  if [[ "$(getent shadow "$TEST_USER" | cut -d: -f2)" == '!'* ]]; then
    usermod -p '*' "$TEST_USER"
  fi
  # The sandbox tests prove that setuid is inert inside it: outside, `sudo -n true` must succeed
  # for the test user (and nothing else: only /usr/bin/true, as root).
  if [[ -d /etc/sudoers.d ]]; then
    local rule="$TEST_USER ALL=(root) NOPASSWD: /usr/bin/true"
    if [[ "$(cat /etc/sudoers.d/cluster-exec-test 2>/dev/null)" != "$rule" ]]; then
      printf '%s\n' "$rule" >/etc/sudoers.d/cluster-exec-test.tmp
      chmod 440 /etc/sudoers.d/cluster-exec-test.tmp
      mv /etc/sudoers.d/cluster-exec-test.tmp /etc/sudoers.d/cluster-exec-test
    fi
  fi
  local home f
  home="$(getent passwd "$TEST_USER" | cut -d: -f6)"
  mkdir -p "$home"
  for f in .bashrc .profile .bash_profile .bash_logout; do
    : >"$home/$f"
    chown "$TEST_USER:" "$home/$f"
  done
  chown "$TEST_USER:" "$home"
}

# Kill -9 every process in the given namespace and wait (bounded) until they are gone.
kill_ns_procs() {
  local ns="$1" pids i
  for i in $(seq 1 50); do
    pids="$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ' || true)"
    [[ -z "${pids// /}" ]] && return 0
    # shellcheck disable=SC2086
    kill -9 $pids 2>/dev/null || true
    sleep 0.05
  done
  log "warning: processes still in $ns: $(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')"
}

# Is PID alive (zombies count as dead: PID 1 here may reap them late)?
alive() {
  local st
  st="$(awk '/^State:/{print $2}' "/proc/$1/status" 2>/dev/null || true)"
  [[ -n "$st" && "$st" != Z && "$st" != X ]]
}

# Pids of this process and its ancestors (never kill our caller).
self_and_ancestors() {
  local p=$$
  echo "$BASHPID"
  while [[ -n "$p" && "$p" != 0 ]]; do
    echo "$p"
    p="$(awk '/^PPid:/{print $2}' "/proc/$p/status" 2>/dev/null || true)"
  done
}

# Kill leftovers outside our namespaces that mention $DIR in their command line.
kill_dir_procs() {
  local keep pid cmd
  keep=" $(self_and_ancestors | tr '\n' ' ') "
  for pid in $(ls /proc | grep -E '^[0-9]+$'); do
    [[ "$keep" == *" $pid "* ]] && continue
    cmd="$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" || true)"
    if [[ "$cmd" == *"$DIR/"* || "$cmd" == *"$DIR "* ]]; then
      log "killing leftover $pid: $cmd"
      kill -9 "$pid" 2>/dev/null || true
    fi
  done
}

do_down() {
  local ns
  local nss
  nss="$(our_namespaces)"
  for ns in $nss; do kill_ns_procs "$ns"; done
  kill_dir_procs
  for ns in $nss; do
    log "deleting namespace $ns"
    ip netns del "$ns" 2>/dev/null || true
  done
  if [[ -d "$DIR" ]]; then
    log "removing $DIR"
    rm -rf "$DIR"
  fi
}

# ---------------------------------------------------------------------------------------------
listener_pid() {
  # Pid of the listening sshd of node $1, if alive and inside the node's namespace.
  local node="$1" pidf pid
  pidf="$(node_dir "$node")/sshd.pid"
  [[ -f "$pidf" ]] || return 1
  pid="$(cat "$pidf" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  alive "$pid" || return 1
  [[ "$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline")" == *"$(node_dir "$node")/sshd_config"* ]] || return 1
  echo "$pid"
}

port_open() { # port_open IP [NS]: from inside NS (default ctl), connects and reads sshd's banner
  # shellcheck disable=SC2016
  ip netns exec "${2:-$(ns_ctl)}" timeout 1 bash -c \
    'exec 3<>"/dev/tcp/$1/22" && read -r -t 1 line <&3 && [[ "$line" == SSH-* ]]' _ "$1" 2>/dev/null
}

wait_port() {
  local node="$1" ip i
  ip="$(node_ip "$node")"
  for i in $(seq 1 $((PORT_WAIT_S * 20))); do
    if port_open "$ip" "$(reach_ns "$node")"; then return 0; fi
    sleep 0.05
  done
  die "sshd of $node did not accept on $ip:22 within ${PORT_WAIT_S}s; log: $(tail -n 5 "$(node_dir "$node")/sshd.log" 2>/dev/null)"
}

wait_pidfile() {
  local node="$1" i
  for i in $(seq 1 $((PORT_WAIT_S * 20))); do
    if listener_pid "$node" >/dev/null; then return 0; fi
    sleep 0.05
  done
  die "sshd of $node wrote no pid file; log: $(tail -n 5 "$(node_dir "$node")/sshd.log" 2>/dev/null)"
}

start_sshd() {
  local node="$1" nd
  nd="$(node_dir "$node")"
  if listener_pid "$node" >/dev/null; then
    log "sshd of $node already running"
    return 0
  fi
  rm -f "$nd/sshd.pid"
  mkdir -p /run/sshd
  chmod 755 /run/sshd
  log "starting sshd of $node"
  # Own UTS (hostname) and mount namespace (fake /proc files, read-only binds of files that the
  # tests rewrite in place), then exec sshd in the foreground.
  local inner
  inner="set -e
hostname $node
for f in loadavg meminfo stat; do
  mount --bind '$nd/proc/'\$f /proc/\$f
  mount -o remount,bind,ro /proc/\$f
done
exec $SSHD -D -e -f '$nd/sshd_config'"
  setsid -f ip netns exec "$(ns_node "$node")" \
    unshare --uts --mount --propagation private bash -c "$inner" \
    >>"$nd/sshd.log" 2>&1 </dev/null 9>&-
  wait_pidfile "$node"
  wait_port "$node"
}

stop_sshd() {
  local node="$1" pid i
  pid="$(listener_pid "$node" || true)"
  if [[ -z "$pid" ]]; then
    log "sshd of $node not running"
    rm -f "$(node_dir "$node")/sshd.pid"
    return 0
  fi
  log "stopping sshd $pid of $node"
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 100); do
    alive "$pid" || break
    sleep 0.02
  done
  if alive "$pid"; then kill -9 "$pid" 2>/dev/null || true; fi
  rm -f "$(node_dir "$node")/sshd.pid"
  # The listening socket is gone once the process is; confirm from the controller.
  for i in $(seq 1 100); do
    port_open "$(node_ip "$node")" "$(reach_ns "$node")" || return 0
    sleep 0.05
  done
  die "port 22 of $node still open after stopping sshd"
}

kill_node() {
  local node="$1"
  log "killing every process of $node"
  kill_ns_procs "$(ns_node "$node")"
  rm -f "$(node_dir "$node")/sshd.pid"
}

write_host_key() {
  local nd="$1"
  rm -f "$nd/ssh_host_ed25519_key" "$nd/ssh_host_ed25519_key.pub"
  ssh-keygen -q -t ed25519 -N '' -C "$(basename "$nd")" -f "$nd/ssh_host_ed25519_key" >/dev/null
  chmod 600 "$nd/ssh_host_ed25519_key"
}

rotate_hostkey() {
  local node="$1"
  log "rotating host key of $node"
  stop_sshd "$node"
  write_host_key "$(node_dir "$node")"
  start_sshd "$node"
}

# ---------------------------------------------------------------------------------------------
map_arch() {
  case "$(uname -m)" in
  x86_64 | amd64) echo x86_64 ;;
  aarch64 | arm64) echo arm64 ;;
  *) uname -m ;;
  esac
}

node_caps() {
  case "$1" in
  n1) echo '["docker", "compilation"]' ;;
  n2) echo '["ollama", "inference"]' ;;
  n3) echo '["testing"]' ;;
  *) echo '[]' ;;
  esac
}

write_config() {
  local n="$1" cfg="$DIR/cluster.toml" i arch cores
  arch="$(map_arch)"
  cores="$(nproc)"
  {
    echo "# test cluster $ID, written by scripts/test-cluster.sh"
    echo "[defaults]"
    echo "user = \"$TEST_USER\""
    echo "identity_file = \"$DIR/id_ed25519\""
    for i in $(seq 1 "$n"); do
      echo
      echo "[nodes.n$i]"
      echo "host = \"n$i.local\""
      echo "ip = \"$(node_ip "n$i")\""
      echo "os = \"linux\""
      echo "arch = \"$arch\""
      echo "cores = $cores"
      echo "capabilities = $(node_caps "n$i")"
    done
  } >"$cfg.tmp"
  mv "$cfg.tmp" "$cfg"
}

write_sshd_config() {
  local node="$1" nd
  nd="$(node_dir "$node")"
  # Per-node settings (trust-ca) come first: sshd takes the first value of a keyword.
  if [[ -f "$nd/sshd_extra" ]]; then cp "$nd/sshd_extra" "$nd/sshd_config"; else : >"$nd/sshd_config"; fi
  cat >>"$nd/sshd_config" <<EOF
# sshd of test node $node (cluster $ID)
ListenAddress $(node_ip "$node")
Port 22
HostKey $nd/ssh_host_ed25519_key
PidFile $nd/sshd.pid
AuthorizedKeysFile $DIR/authorized_keys
StrictModes no
UseDNS no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
MaxSessions 10
MaxStartups 100:30:200
UsePAM no
PermitRootLogin no
AllowUsers $TEST_USER
SetEnv PATH=$nd/bin:$DIR/sysbin
LogLevel ERROR
PrintMotd no
PrintLastLog no
Subsystem sftp internal-sftp
EOF
}

# The OpenSSH client config of the cluster: one Host per node (first match wins, so the
# per-node blocks come before the shared one).
write_ssh_config() {
  local cfg="$DIR/ssh_config" node nd
  {
    echo "# ssh config of test cluster $ID, written by scripts/test-cluster.sh"
    for node in $(ls "$DIR/nodes" | sort -V); do
      nd="$(node_dir "$node")"
      echo "Host $node"
      echo "  HostName $(node_ip "$node")"
      if [[ -f "$nd/via" ]]; then echo "  ProxyJump $(cat "$nd/via")"; fi
      if [[ -f "$nd/cert" ]]; then
        echo "  IdentityFile $DIR/id_cert"
        echo "  CertificateFile $DIR/id_cert-cert.pub"
      fi
    done
    echo "Host *"
    echo "  User $TEST_USER"
    echo "  IdentityFile $DIR/id_ed25519"
    echo "  IdentitiesOnly yes"
    echo "  UserKnownHostsFile $DIR/ssh_known_hosts"
    echo "  StrictHostKeyChecking accept-new"
    echo "  BatchMode yes"
    echo "  ConnectTimeout 3"
    echo "  LogLevel ERROR"
  } >"$cfg.tmp"
  mv "$cfg.tmp" "$cfg"
}

make_link() { # make_link NS HUBSIDE IP
  local ns="$1" hubif="$2" addr="$3" hub
  hub="$(ns_hub)"
  # Created directly inside the hub namespace, peer directly inside $ns: never on the host.
  ip -n "$hub" link add "$hubif" type veth peer name eth0 netns "$ns"
  ip -n "$hub" link set "$hubif" master br0 up
  ip -n "$ns" addr add "$addr/24" dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$ns" route add 224.0.0.0/4 dev eth0
}

new_ns() {
  ip netns add "$1"
  ip -n "$1" link set lo up
}

# Quick check: is a cluster of exactly N nodes fully up?
is_up() {
  local n="$1" i node
  [[ -f "$DIR/state" ]] || return 1
  [[ "$(cat "$DIR/state")" == "n=$n" ]] || return 1
  [[ -f "$DIR/cluster.toml" && -f "$DIR/id_ed25519" ]] || return 1
  local want have
  want="$(
    echo "$ID-hub"
    echo "$ID-ctl"
    for i in $(seq 1 "$n"); do echo "$ID-n$i"; done
  )"
  have="$(our_namespaces)"
  [[ "$(sort <<<"$want")" == "$(sort <<<"$have")" ]] || return 1
  for i in $(seq 1 "$n"); do
    node="n$i"
    listener_pid "$node" >/dev/null || return 1
    port_open "$(node_ip "$node")" "$(reach_ns "$node")" || return 1
  done
}

do_up() {
  local n="${1:-3}" i node nd t0
  [[ "$n" =~ ^[0-9]+$ ]] && ((n >= 1 && n <= 200)) || die "node count must be 1..200, got '$n'"
  need_tools
  t0=$(date +%s%N)
  if is_up "$n"; then
    log "already up with $n nodes"
    echo "$DIR/cluster.toml"
    return 0
  fi
  if [[ -n "$(our_namespaces)" || -e "$DIR" ]]; then
    log "stale or different cluster found: tearing down first"
    do_down
  fi
  ensure_user

  log "state dir $DIR"
  mkdir -p "$DIR/nodes"
  chmod 755 "$DIR" "$DIR/nodes"
  ssh-keygen -q -t ed25519 -N '' -C "cluster-exec-test-$ID" -f "$DIR/id_ed25519" >/dev/null
  chmod 600 "$DIR/id_ed25519"
  cp "$DIR/id_ed25519.pub" "$DIR/authorized_keys"
  chmod 644 "$DIR/authorized_keys" "$DIR/id_ed25519.pub"

  log "creating namespaces and bridge"
  local hub
  hub="$(ns_hub)"
  new_ns "$hub"
  ip -n "$hub" link add br0 type bridge forward_delay 0 stp_state 0 mcast_snooping 0
  ip -n "$hub" link set br0 up
  new_ns "$(ns_ctl)"
  make_link "$(ns_ctl)" v-ctl "$CTL_IP"
  for i in $(seq 1 "$n"); do
    node="n$i"
    new_ns "$(ns_node "$node")"
    make_link "$(ns_node "$node")" "v-$node" "$(node_ip "$node")"
  done

  # The nodes' system PATH: every program of /bin and /usr/bin (links, made in two process starts),
  # minus the tools capabilities are detected by.
  mkdir -p "$DIR/sysbin"
  ln -sf -t "$DIR/sysbin" /bin/* 2>/dev/null || true
  ln -sf -t "$DIR/sysbin" /usr/bin/* 2>/dev/null || true
  local t
  for t in "${HIDDEN_TOOLS[@]}"; do rm -f "$DIR/sysbin/$t"; done
  chmod 755 "$DIR/sysbin"

  log "preparing $n nodes"
  mkdir -p /run/sshd # privilege separation dir, needed by sshd -t too
  chmod 755 /run/sshd
  for i in $(seq 1 "$n"); do prepare_node "n$i"; done
  for i in $(seq 1 "$n"); do start_sshd "n$i"; done

  write_config "$n"
  write_ssh_config
  echo "n=$n" >"$DIR/state"
  log "up with $n nodes in $((($(date +%s%N) - t0) / 1000000)) ms"
  echo "$DIR/cluster.toml"
}

prepare_node() { # prepare_node NODE: host key, sshd config, fake /proc files
  local node="$1" nd
  nd="$(node_dir "$node")"
  mkdir -p "$nd/proc" "$nd/bin"
  chmod 755 "$nd/bin"
  write_host_key "$nd"
  write_sshd_config "$node"
  cat /proc/loadavg >"$nd/proc/loadavg"
  cat /proc/meminfo >"$nd/proc/meminfo"
  cat /proc/stat >"$nd/proc/stat"
  chmod 644 "$nd/proc/loadavg" "$nd/proc/meminfo" "$nd/proc/stat"
  : >"$nd/sshd.log"
  "$SSHD" -t -f "$nd/sshd_config" || die "invalid sshd_config for $node"
}

add_jumped() {
  local node="$1" jump="$2" hub nd ns
  [[ "$node" =~ ^n[1-9][0-9]*$ ]] || die "bad node name '$node' (expected n1, n2, ...)"
  check_node "$jump"
  [[ ! -f "$(node_dir "$jump")/via" ]] || die "jump node $jump is itself behind a jump"
  [[ ! -e "$(node_dir "$node")" ]] || die "node $node exists already"
  ((${#node} <= 6)) || die "node name '$node' too long for an interface name"
  hub="$(ns_hub)"
  if ! ip -n "$hub" link show br1 >/dev/null 2>&1; then
    ip -n "$hub" link add br1 type bridge forward_delay 0 stp_state 0 mcast_snooping 0
    ip -n "$hub" link set br1 up
  fi
  # The jump node's second interface, once per jump node.
  if ! ip -n "$(ns_node "$jump")" link show eth1 >/dev/null 2>&1; then
    ip -n "$hub" link add "v-${jump}b" type veth peer name eth1 netns "$(ns_node "$jump")"
    ip -n "$hub" link set "v-${jump}b" master br1 up
    ip -n "$(ns_node "$jump")" addr add "$NET2_PREFIX.$((10 + $(node_index "$jump")))/24" dev eth1
    ip -n "$(ns_node "$jump")" link set eth1 up
  fi
  nd="$(node_dir "$node")"
  mkdir -p "$nd"
  echo "$NET2_PREFIX.$((10 + $(node_index "$node")))" >"$nd/ip"
  echo "$jump" >"$nd/via"
  ns="$(ns_node "$node")"
  log "adding $node at $(node_ip "$node"), reachable through $jump only"
  new_ns "$ns"
  ip -n "$hub" link add "v-$node" type veth peer name eth0 netns "$ns"
  ip -n "$hub" link set "v-$node" master br1 up
  ip -n "$ns" addr add "$(node_ip "$node")/24" dev eth0
  ip -n "$ns" link set eth0 up
  prepare_node "$node"
  start_sshd "$node"
  write_ssh_config
}

trust_ca() {
  local node="$1" nd
  nd="$(node_dir "$node")"
  if [[ ! -f "$DIR/ca" ]]; then
    ssh-keygen -q -t ed25519 -N '' -C "cluster-exec-test-ca-$ID" -f "$DIR/ca" >/dev/null
    ssh-keygen -q -t ed25519 -N '' -C "cluster-exec-test-cert-$ID" -f "$DIR/id_cert" >/dev/null
    ssh-keygen -q -s "$DIR/ca" -I "cetest-$ID" -n "$TEST_USER" -V -5m:+1d "$DIR/id_cert.pub"
    chmod 600 "$DIR/ca" "$DIR/id_cert"
  fi
  log "$node trusts only certificates of the test CA"
  printf 'TrustedUserCAKeys %s\nAuthorizedKeysFile none\n' "$DIR/ca.pub" >"$nd/sshd_extra"
  : >"$nd/cert"
  stop_sshd "$node"
  write_sshd_config "$node"
  "$SSHD" -t -f "$nd/sshd_config" || die "invalid sshd_config for $node"
  start_sshd "$node"
  write_ssh_config
}

do_status() {
  local ns node pid
  echo "cluster $ID dir $DIR"
  for ns in $(our_namespaces); do
    echo "namespace $ns pids: $(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')"
  done
  if [[ -d "$DIR/nodes" ]]; then
    for node in $(ls "$DIR/nodes" | sort -V); do
      pid="$(listener_pid "$node" || true)"
      echo "node $node ip $(node_ip "$node") sshd ${pid:-down}"
    done
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
  deps) install_deps ;;
  up)
    with_lock
    do_up "$@"
    ;;
  down)
    with_lock
    do_down
    rm -f "$LOCK" # per-id lock file; only another operation on this same id could race with it
    ;;
  status) do_status ;;
  add-jumped)
    [[ $# -eq 2 ]] || die "usage: $0 add-jumped NODE JUMP"
    with_lock
    add_jumped "$1" "$2"
    ;;
  trust-ca)
    [[ $# -eq 1 ]] || die "usage: $0 trust-ca NODE"
    check_node "$1"
    with_lock
    trust_ca "$1"
    ;;
  stop-sshd | start-sshd | kill-node | rotate-hostkey | link-down | link-up)
    [[ $# -eq 1 ]] || die "usage: $0 $verb NODE"
    check_node "$1"
    with_lock
    case "$verb" in
    stop-sshd) stop_sshd "$1" ;;
    start-sshd) start_sshd "$1" ;;
    kill-node) kill_node "$1" ;;
    rotate-hostkey) rotate_hostkey "$1" ;;
    link-down) ip -n "$(ns_node "$1")" link set eth0 down ;;
    link-up)
      ip -n "$(ns_node "$1")" link set eth0 up
      ip -n "$(ns_node "$1")" route replace 224.0.0.0/4 dev eth0
      ;;
    esac
    ;;
  exec)
    [[ $# -ge 2 ]] || die "usage: $0 exec NODE CMD..."
    local target="$1"
    shift
    ns_exists "$ID-$target" || die "no namespace $ID-$target"
    exec ip netns exec "$ID-$target" "$@"
    ;;
  ctl)
    [[ $# -ge 1 ]] || die "usage: $0 ctl CMD..."
    ns_exists "$(ns_ctl)" || die "no namespace $(ns_ctl) (is the cluster up?)"
    exec ip netns exec "$(ns_ctl)" "$@"
    ;;
  *)
    awk 'NR == 1 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$0" >&2
    exit 2
    ;;
  esac
}

main "$@"
