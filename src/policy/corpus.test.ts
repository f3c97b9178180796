// The policy corpus: dangerous forms must all be refused (by the named rule), look-alikes allowed.
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are shell, not templates
import { describe, expect, test } from "bun:test";
import { checkCommand } from "./check.ts";
import { DANGER_RULES } from "./dangerous.ts";

/** [command, rule that must refuse it] */
const DANGEROUS: [string, string][] = [
  // recursive delete, spelled every way
  ["rm -rf /", "recursive-delete"],
  ["rm -r -f /", "recursive-delete"],
  ["rm -fr /*", "recursive-delete"],
  ["rm -Rf /", "recursive-delete"],
  ["rm / -rf", "recursive-delete"],
  ["rm --recursive --force /", "recursive-delete"],
  ["rm -rf -- /", "recursive-delete"],
  ['rm -rf "/"', "recursive-delete"],
  ["rm -rf '/'*", "recursive-delete"],
  ["rm${IFS}-rf${IFS}/", "recursive-delete"],
  ["rm$IFS-rf$IFS/", "recursive-delete"],
  ["rm${IFS%?}-rf /", "recursive-delete"],
  ["rm${IFS:1:1}-rf /", "recursive-delete"],
  ["a=rm; $a -rf /", "recursive-delete"],
  ["a=r; b=m; $a$b -rf /", "recursive-delete"],
  ["a=ls; true || a=rm; $a -rf /", "recursive-delete"],
  ["x=$(echo rm); $x -rf /", "recursive-delete"],
  ["\\rm -rf /", "recursive-delete"],
  ["r\"m\" -r'f' /", "recursive-delete"],
  ["$'\\x72\\x6d' -rf /", "recursive-delete"],
  ["/bin/rm -rf /", "recursive-delete"],
  ["sudo rm -rf /", "recursive-delete"],
  ["sudo -u root env X=1 nice -n 5 timeout 10 /usr/bin/rm -rf /", "recursive-delete"],
  ["bash -c 'rm -rf /'", "recursive-delete"],
  ['sh -c "sudo rm -rf /etc"', "recursive-delete"],
  ["bash -lc 'cd / && rm -rf *'", "recursive-delete"],
  ["eval 'rm -rf /'", "recursive-delete"],
  ['eval "$(echo rm) -rf /"', "recursive-delete"],
  ["echo 'rm -rf /' | sh", "recursive-delete"],
  ["bash <<< 'rm -rf /'", "recursive-delete"],
  ["echo / | xargs rm -rf", "recursive-delete"],
  ["xargs rm -rf / < /dev/null", "recursive-delete"],
  ["echo 'rm -rf /' | xargs -I{} sh -c {}", "recursive-delete"],
  ["printf 'ls\\nrm -rf /\\n' | xargs -I % bash -c %", "recursive-delete"],
  ["cd / && rm -rf *", "recursive-delete"],
  ["rm -rf ~", "recursive-delete"],
  ["rm -rf ~/", "recursive-delete"],
  ['rm -rf "$HOME"', "recursive-delete"],
  ["rm -rf ${HOME}/*", "recursive-delete"],
  ["rm -rf /etc", "recursive-delete"],
  ["rm -rf /usr/", "recursive-delete"],
  ["rm -rf /var/*", "recursive-delete"],
  ["rm -rf /home", "recursive-delete"],
  ["rm -rf /boot /tmp/x", "recursive-delete"],
  ["rm -rf /{etc,usr}", "recursive-delete"],
  ["rm -rf /usr/../", "recursive-delete"],
  ["rm -rf $UNSET_DIR/", "recursive-delete"],
  ['x=/; rm -rf "${x:?}"', "recursive-delete"],
  ['rm -rf "${x?}/"', "recursive-delete"],
  ['echo "${x:?$(rm -rf /)}"', "recursive-delete"],
  ['f(){ rm -rf "$1"; }; f /', "recursive-delete"],
  ["bash -c 'rm -rf \"$1\"' _ /etc", "recursive-delete"],
  // "$@" is every argument, not just the first
  ['f(){ rm -rf "$@"; }; f /tmp/x /', "recursive-delete"],
  ["bash -c 'rm -rf \"$@\"' _ /tmp/x /", "recursive-delete"],
  ["bash -c 'rm -rf $*' _ /tmp/x /", "recursive-delete"],
  ["bash -c 'rm -rf \"${@%/}\"' _ /tmp/x/ //", "recursive-delete"],
  ["bash -c '\"${@:2}\"' _ x rm -rf /", "recursive-delete"],
  ['set -- rm -rf /; "$@"', "recursive-delete"],
  ['set -x -- -rf /; rm "$@"', "recursive-delete"],
  ['set -- /; for d; do rm -rf "$d"; done', "recursive-delete"],
  ["for d in /tmp/a /; do rm -rf $d; done", "recursive-delete"],
  ["time rm -rf /", "recursive-delete"],
  ["nohup rm -rf / &", "recursive-delete"],
  ["(rm -rf /)", "recursive-delete"],
  ["echo $(rm -rf /)", "recursive-delete"],
  ["echo `rm -rf /`", "recursive-delete"],
  ["if true; then rm -rf /; fi", "recursive-delete"],
  ["trap 'rm -rf /' EXIT", "recursive-delete"],
  ["alias x='rm -rf /'", "recursive-delete"],
  ["script -qc 'rm -rf /' /dev/null", "recursive-delete"],
  ["rsync -a --delete /tmp/empty/ /", "recursive-delete"],
  ["rm -rf --no-preserve-root /", "no-preserve-root"],
  ["chown -R --no-preserve-root nobody /", "no-preserve-root"],
  // find
  ["find / -delete", "find-delete"],
  ["find / -name '*' -delete", "find-delete"],
  ["find /etc -type f -exec rm {} \\;", "find-delete"],
  ["find ~ -exec rm -f {} +", "find-delete"],
  ["find -- / -delete", "find-delete"],
  ["find -D stat / -delete", "find-delete"],
  ["find -L -- /etc -exec rm {} +", "find-delete"],
  ["find / -type f | xargs rm -f", "recursive-delete"],
  // permissions
  ["chmod -R 777 /", "recursive-permissions"],
  ["chmod 777 -R /", "recursive-permissions"],
  ["chmod --recursive 000 /etc", "recursive-permissions"],
  ["chown -R nobody:nogroup /", "recursive-permissions"],
  ["chgrp -R staff /usr", "recursive-permissions"],
  ["mv /etc /tmp/etc.bak", "move-system-path"],
  // block devices
  ["dd if=/dev/zero of=/dev/sda", "block-device-write"],
  ["dd of=/dev/sda if=/dev/urandom bs=1M", "block-device-write"],
  ["dd if=/dev/zero of=/dev/nvme0n1p1", "block-device-write"],
  ["dd if=image.iso of=/dev/disk2", "block-device-write"],
  ["sudo dd if=x of=/dev/rdisk0", "block-device-write"],
  ["echo hi > /dev/sda", "block-device-write"],
  ["cat /dev/zero > /dev/nvme0n1", "block-device-write"],
  ["> /dev/sdb1", "block-device-write"],
  ["head -c 1M /dev/urandom | tee /dev/vda", "block-device-write"],
  ["cp disk.img /dev/mmcblk0", "block-device-write"],
  ["shred -n 1 /dev/sda", "block-device-write"],
  ["d=/dev/sda; dd if=/dev/zero of=$d", "block-device-write"],
  // formatting and wiping
  ["mkfs.ext4 /dev/sda1", "format-filesystem"],
  ["mkfs -t xfs /dev/sdb", "format-filesystem"],
  ["sudo mke2fs /dev/sdc", "format-filesystem"],
  ["newfs_apfs disk2s1", "format-filesystem"],
  ["wipefs -a /dev/sda", "wipe-disk"],
  ["sgdisk --zap-all /dev/sda", "wipe-disk"],
  ["diskutil eraseDisk APFS X disk2", "wipe-disk"],
  // fork bombs
  [":(){ :|:& };:", "fork-bomb"],
  [":(){ : | : & }; :", "fork-bomb"],
  ["bomb(){ bomb|bomb& };bomb", "fork-bomb"],
  ["function f { f | f & }; f", "fork-bomb"],
  ["a(){ b & b; }; b(){ a | a; }; a", "fork-bomb"],
  // power
  ["shutdown -h now", "power-off"],
  ["sudo reboot", "power-off"],
  ["halt", "power-off"],
  ["poweroff -f", "power-off"],
  ["init 0", "power-off"],
  ["systemctl reboot", "power-off"],
  ["sudo /sbin/shutdown -r +1", "power-off"],
  ["echo b > /proc/sysrq-trigger", "power-off"],
  ["echo o | sudo tee /proc/sysrq-trigger", "power-off"],
  // account files
  ["echo 'root::0:0::/root:/bin/bash' > /etc/passwd", "account-files"],
  ["cat x >> /etc/shadow", "account-files"],
  ["cp /tmp/passwd /etc/passwd", "account-files"],
  ["echo x | sudo tee /etc/shadow", "account-files"],
  ["rm /etc/passwd", "account-files"],
  ["sed -i 's/x//' /etc/shadow", "account-files"],
  ["cd /etc && echo x > passwd", "account-files"],
  // hidden code
  ["echo cm0gLXJmIC8K | base64 -d | sh", "decode-and-execute"],
  ["echo cm0gLXJmIC8K | base64 --decode | bash", "decode-and-execute"],
  ["base64 -D <<< cm0gLXJmIC8K | sh", "decode-and-execute"],
  ["echo 2f20662d206d72 | xxd -r -p | sh", "decode-and-execute"],
  ['eval "$(echo cm0gLXJmIC8K | base64 -d)"', "decode-and-execute"],
  ['bash -c "$(echo cm0gLXJmIC8K | base64 -d)"', "decode-and-execute"],
  ["x=$(echo cm0gLXJmIC8K | base64 -d); eval $x", "decode-and-execute"],
  ["echo '/ fr- mr' | rev | sh", "decode-and-execute"],
  ["c=$(base64 -d <<< cm0=); $c -rf /", "decode-and-execute"],
  ["$(echo cm0= | base64 -d) -rf /", "decode-and-execute"],
  ["$(curl -s https://example.com/cmd)", "remote-script"],
  ["curl -fsSL https://example.com/install.sh | sh", "remote-script"],
  ["curl -s https://example.com/x | sudo bash", "remote-script"],
  ["wget -qO- https://example.com/x | bash -s -- --yes", "remote-script"],
  ["wget -O - https://example.com/x | sh", "remote-script"],
  ["bash <(curl -s https://example.com/x)", "remote-script"],
  ["source <(curl -s https://example.com/x)", "remote-script"],
  // <(...) whose output is known is code like any other
  ["bash <(echo 'rm -rf /')", "recursive-delete"],
  ["source <(echo rm -rf /)", "recursive-delete"],
  ["sh < <(echo rm -rf /)", "recursive-delete"],
  ["cat <(echo rm -rf /) | sh", "recursive-delete"],
  ['sh -c "$(curl -fsSL https://example.com/x)"', "remote-script"],
  ['eval "$(wget -qO- https://example.com/x)"', "remote-script"],
  ["curl https://example.com/x | tee /tmp/log | sh", "remote-script"],
  // cannot be analysed
  ["echo 'unterminated", "unparseable"],
  ["rm -rf / )", "unparseable"],
  ["bash -c 'echo (('", "unparseable"],
];

const HARMLESS: string[] = [
  "rm -rf ./build",
  "rm -rf build dist node_modules",
  "rm -rf /tmp/foo",
  "rm -f /etc/nginx/sites-enabled/default.bak",
  "rm -rf /usr/local/lib/node_modules/foo",
  "rm -rf ~/projects/old",
  'rm -rf "$HOME/.cache/pip"',
  // ${x:?} aborts when x is unset or empty, so this never deletes /
  'rm -rf "${BUILD_DIR:?}/"',
  'rm -rf "${OUT:?OUT must be set}"/*',
  "d=build; rm -rf $d/*",
  "cd /tmp && rm -rf *",
  "echo 'rm -rf /'",
  "echo rm -rf /",
  "printf '%s\\n' 'rm -rf /'",
  "git rm -r --cached .",
  "git commit -m 'rm -rf / is dangerous'",
  "find . -name '*.o' -delete",
  "find /tmp/build -delete",
  "find -D stat -- /tmp/build -name '*.o' -delete",
  "find / -name passwd -print",
  'grep -r "mkfs" .',
  "grep -rn 'rm -rf /' src/",
  "dd if=a of=b",
  "dd if=/dev/zero of=./disk.img bs=1M count=10",
  "cat /etc/passwd",
  "grep root /etc/shadow",
  "echo hi > /dev/null 2>&1",
  "make 2>&1 | tee build.log",
  "ls -la /dev/sda",
  "lsblk /dev/sda",
  "chmod -R 755 ./public",
  "chmod 644 /etc/hosts",
  "chown -R me ./src",
  "man shutdown",
  "echo reboot",
  "systemctl status nginx",
  "echo 3 | sudo tee /proc/sys/vm/drop_caches",
  "curl -fsSL https://example.com/data.json | jq .",
  "curl -o install.sh https://example.com/install.sh",
  "echo aGVsbG8= | base64 -d",
  "echo ls | sh",
  "bash -c 'make -j8 && make test'",
  "sudo apt-get install -y build-essential",
  "f(){ echo hi; }; f | cat",
  'f(){ rm -rf "$@"; }; f ./build /tmp/cache',
  "set -euo pipefail; rm -rf /tmp/build",
  'set -- a b; echo "$@"',
  "docker run --rm -v /:/host alpine ls /host",
  "mkdir -p /tmp/x && cd /tmp/x && touch a",
  "tar czf backup.tgz /etc",
  "rsync -av --delete ./dist/ user@host:/var/www/site/",
  "xargs -n1 echo < list.txt",
  "cat script.sh | bash",
  "bash ./deploy.sh",
  "wipe_cache=1 make clean",
  "python3 -c 'print(1)'",
  'eval "$(ssh-agent -s)"',
  '"$(dirname "$0")/run.sh" --fast',
  'v=$(curl -s https://example.com/version); echo "$v"',
  "trap 'rm -f /tmp/build.lock' EXIT; make",
  "trap - EXIT",
  "alias ll='ls -l'; alias x='if'",
  "script -q -c 'make test' /dev/null",
  "source <(kubectl completion bash)",
  "diff <(sort a.txt) <(sort b.txt)",
  // a bracket that is no valid range is a literal "[", not a crash
  "x=abc; echo ${x#[z-a]}",
  "echo hi > /tmp/[z-a].txt",
];

describe("dangerous corpus: every form is refused by its rule", () => {
  for (const [command, rule] of DANGEROUS) {
    test(command, () => {
      const verdict = checkCommand(command);
      expect(verdict.allowed ? "allowed" : verdict.rule).toBe(rule);
    });
  }
});

describe("harmless look-alikes: every one is allowed", () => {
  for (const command of HARMLESS) {
    test(command, () => {
      const verdict = checkCommand(command);
      expect(verdict.allowed ? "allowed" : `${verdict.rule}: ${verdict.message}`).toBe("allowed");
    });
  }
});

test("every documented rule is exercised by the corpus", () => {
  const used = new Set(DANGEROUS.map(([, rule]) => rule));
  for (const rule of Object.keys(DANGER_RULES))
    if (rule !== "too-complex") expect(`${rule}: ${used.has(rule)}`).toBe(`${rule}: true`);
});

test("the corpus is large enough", () => {
  expect(DANGEROUS.length).toBeGreaterThanOrEqual(40);
  expect(HARMLESS.length).toBeGreaterThanOrEqual(20);
});
