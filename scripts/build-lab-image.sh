#!/usr/bin/env bash
# Build the lab's base root filesystem as a tarball (govcloud lab image; docs/lab.md).
# Usage: scripts/build-lab-image.sh SUITE PACKAGES(comma-separated) OUT.tar MIRROR
# Runs as root. The tarball's name carries a key over SUITE, PACKAGES and this file's text,
# so editing this script makes a new image.
set -euo pipefail

suite=$1 packages=$2 out=$3 mirror=$4
[[ $(id -u) -eq 0 ]] || { echo "build-lab-image: must run as root (debootstrap)" >&2; exit 2; }
command -v debootstrap >/dev/null || { echo "build-lab-image: debootstrap missing (apt-get install debootstrap)" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/var/tmp}/govcloud-lab-root.XXXXXX")
part=""  # this run's own partial tarball: two builds of one key never write the same file
cleanup() {
  # debootstrap may leave /proc or /sys mounted inside the root on failure
  for m in proc sys dev/pts dev; do mountpoint -q "$work/root/$m" 2>/dev/null && umount -l "$work/root/$m" || true; done
  rm -rf --one-file-system "$work"
  [[ -z $part ]] || rm -f "$part"
}
trap cleanup EXIT
root=$work/root

echo "debootstrap --variant=minbase $suite (packages: $packages) from $mirror"
debootstrap --variant=minbase --include="$packages" "$suite" "$root" "$mirror"

echo "configuring the root for a container with systemd as PID 1"
# debootstrap copies the build machine's hostname: each lab host gets its own at start.
echo localhost >"$root/etc/hostname"
# systemd writes a fresh machine id per container at boot.
: >"$root/etc/machine-id"
rm -f "$root/var/lib/dbus/machine-id"
# Units that cannot work in a container (no real console, no kernel modules to load,
# no hardware clock) would only mark the system degraded.
for unit in getty@tty1.service serial-getty@.service console-getty.service systemd-modules-load.service \
  sys-kernel-config.mount sys-kernel-debug.mount sys-kernel-tracing.mount systemd-remount-fs.service \
  systemd-firstboot.service; do
  ln -sf /dev/null "$root/etc/systemd/system/$unit"
done
# Servers baked in for the trust-service roles start only where their role enables them: every
# other lab host keeps them installed but stopped, like a host that has the package for its tools.
for unit in slapd.service unbound.service unbound-resolvconf.service sssd.service stunnel4.service; do
  if [[ -e $root/lib/systemd/system/$unit || -e $root/etc/init.d/${unit%.service} ]]; then
    chroot "$root" systemctl disable "$unit" >/dev/null 2>&1 || true
  fi
done
# No SSH host keys baked into the image: each host generates its own on first boot.
rm -f "$root"/etc/ssh/ssh_host_*
mkdir -p "$root/etc/systemd/system/ssh.service.d"
cat >"$root/etc/systemd/system/ssh.service.d/10-hostkeys.conf" <<'UNIT'
[Service]
ExecStartPre=
ExecStartPre=/usr/bin/ssh-keygen -A
ExecStartPre=/usr/sbin/sshd -t
UNIT
# Smaller image: no package lists or downloaded .debs.
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/archives/*.deb

echo "writing $out"
mkdir -p "$(dirname "$out")"
part=$(mktemp "$out.part.XXXXXX")
tar --numeric-owner --xattrs -C "$root" -cf "$part" .
chmod 0644 "$part"
mv "$part" "$out"
echo "done: $(du -h "$out" | cut -f1) $out"
