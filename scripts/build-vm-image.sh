#!/usr/bin/env bash
# Build the lab VM's disk, kernel and initrd (govcloud lab vm image; docs/lab-vm.md).
# Usage: scripts/build-vm-image.sh SUITE PACKAGES(comma-separated) OUTDIR MIRROR
# Writes OUTDIR/{disk.qcow2,vmlinuz,initrd.img}. Runs as root, mounts nothing but the /proc
# debootstrap itself needs: the ext4 filesystem is made from the root directory
# (mkfs.ext4 -d). The output's name carries a key over SUITE, PACKAGES and this file's
# text, so editing this script makes a new image.
set -euo pipefail

suite=$1 packages=$2 out=$3 mirror=$4
disk_size=${GOVCLOUD_VM_DISK_SIZE:-6G}
[[ $(id -u) -eq 0 ]] || { echo "build-vm-image: must run as root (debootstrap)" >&2; exit 2; }
for tool in debootstrap:debootstrap mkfs.ext4:e2fsprogs qemu-img:qemu-utils; do
  command -v "${tool%%:*}" >/dev/null || { echo "build-vm-image: ${tool%%:*} missing (apt-get install ${tool#*:})" >&2; exit 2; }
done

work=$(mktemp -d "${TMPDIR:-/var/tmp}/govcloud-vm-root.XXXXXX")
part=""  # this run's own partial image directory: two builds of one key never share it
cleanup() {
  # debootstrap may leave /proc or /sys mounted inside the root on failure
  for m in proc sys dev/pts dev; do mountpoint -q "$work/root/$m" 2>/dev/null && umount -l "$work/root/$m" || true; done
  rm -rf --one-file-system "$work"
  [[ -z $part ]] || rm -rf "$part"
}
trap cleanup EXIT
root=$work/root

echo "debootstrap --variant=minbase $suite (packages: $packages) from $mirror"
debootstrap --variant=minbase --include="$packages" "$suite" "$root" "$mirror"

echo "configuring the root for a VM booted by qemu -kernel (root=/dev/vda)"
echo govcloud-vm >"$root/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tgovcloud-vm\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$root/etc/hosts"
echo '/dev/vda / ext4 errors=remount-ro 0 1' >"$root/etc/fstab"
# slirp's DNS; with restrict=on nothing leaves the host anyway, and sudo finds its name in /etc/hosts.
echo 'nameserver 10.0.2.3' >"$root/etc/resolv.conf"
# A fresh machine id per run (each run boots a new overlay of this disk).
: >"$root/etc/machine-id"
rm -f "$root/var/lib/dbus/machine-id"

# DHCP on qemu's user-mode NIC (virtio-net: ens3/enp0s3 depending on the slot).
cat >"$root/etc/systemd/network/80-govcloud-dhcp.network" <<'NET'
[Match]
Name=en* eth*

[Network]
DHCP=ipv4
NET
chroot "$root" systemctl enable systemd-networkd.service
# Nothing here waits for network-online; its wait would only slow the boot down.
chroot "$root" systemctl disable systemd-networkd-wait-online.service 2>/dev/null || true

# The automation account, as Debian's cloud images set it up through cloud-init: no
# password (key login only), NOPASSWD sudo.
chroot "$root" useradd --create-home --shell /bin/bash --groups sudo,adm --password '*' debian
echo 'debian ALL=(ALL) NOPASSWD:ALL' >"$root/etc/sudoers.d/90-cloud-init-users"
chmod 0440 "$root/etc/sudoers.d/90-cloud-init-users"

# The image holds no key: each run passes its own public key on the kernel command line
# (govcloud.ssh_key=<base64>), installed before sshd starts.
cat >"$root/usr/local/sbin/govcloud-ssh-key" <<'SH'
#!/bin/sh
# Install the lab's per-run SSH public key from the kernel command line (docs/lab-vm.md).
set -eu
key=
for word in $(cat /proc/cmdline); do
  case $word in govcloud.ssh_key=*) key=${word#govcloud.ssh_key=} ;; esac
done
[ -n "$key" ] || exit 0
install -d -m 0700 -o debian -g debian /home/debian/.ssh
printf '%s' "$key" | base64 -d >/home/debian/.ssh/authorized_keys
chown debian:debian /home/debian/.ssh/authorized_keys
chmod 0600 /home/debian/.ssh/authorized_keys
SH
chmod 0755 "$root/usr/local/sbin/govcloud-ssh-key"
cat >"$root/etc/systemd/system/govcloud-ssh-key.service" <<'UNIT'
[Unit]
Description=Install the lab's SSH key from the kernel command line
After=local-fs.target
Before=ssh.service

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/govcloud-ssh-key

[Install]
WantedBy=multi-user.target
UNIT
chroot "$root" systemctl enable govcloud-ssh-key.service

# No SSH host keys baked in: each run makes its own. Only the ed25519 key before sshd
# starts; the others (RSA takes many seconds under software emulation) after it, at the
# lowest priority, for whoever restarts sshd later.
rm -f "$root"/etc/ssh/ssh_host_*
mkdir -p "$root/etc/systemd/system/ssh.service.d"
cat >"$root/etc/systemd/system/ssh.service.d/10-hostkeys.conf" <<'UNIT'
[Service]
ExecStartPre=
ExecStartPre=/bin/sh -c 'test -s /etc/ssh/ssh_host_ed25519_key || ssh-keygen -q -t ed25519 -N "" -f /etc/ssh/ssh_host_ed25519_key'
ExecStartPre=/usr/sbin/sshd -t
UNIT
cat >"$root/etc/systemd/system/govcloud-ssh-hostkeys.service" <<'UNIT'
[Unit]
Description=Generate the remaining SSH host keys (RSA, ECDSA) after sshd is up
After=ssh.service

[Service]
Type=oneshot
Nice=19
ExecStart=/usr/bin/ssh-keygen -A

[Install]
WantedBy=multi-user.target
UNIT
chroot "$root" systemctl enable govcloud-ssh-hostkeys.service

# Units that only slow a short-lived VM's boot down: no VGA console (qemu -nodefaults, the
# serial console gets its getty from console=ttyS0), no mirror to fetch from, a fresh disk.
for unit in getty@tty1.service e2scrub_reap.service e2scrub_all.timer apt-daily.timer apt-daily-upgrade.timer; do
  chroot "$root" systemctl disable "$unit" 2>/dev/null || true
done

# A small initrd: only what mounts a virtio disk holding ext4 (qemu -kernel loads it under
# software emulation, where every megabyte counts).
cat >"$root/etc/initramfs-tools/conf.d/govcloud-vm.conf" <<'CONF'
MODULES=list
COMPRESS=gzip
CONF
printf '%s\n' virtio_pci virtio_blk ext4 >>"$root/etc/initramfs-tools/modules"
mount -t proc proc "$root/proc"
chroot "$root" update-initramfs -u -k all
umount "$root/proc"

part=$(mktemp -d "$out.part.XXXXXX")
chmod 0755 "$part"
cp "$root"/boot/vmlinuz-* "$part/vmlinuz"
cp "$root"/boot/initrd.img-* "$part/initrd.img"
# Smaller image: no package lists or downloaded .debs.
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/archives/*.deb

echo "making the ext4 filesystem ($disk_size) from the root directory and converting it to qcow2"
mkfs.ext4 -q -F -L govcloud-root -d "$root" "$work/disk.raw" "$disk_size"
qemu-img convert -f raw -O qcow2 "$work/disk.raw" "$part/disk.qcow2"
# The cached base stays pristine: each run writes to its own overlay.
chmod 0444 "$part"/*
rm -rf "$out"
mv "$part" "$out"
echo "done: $(du -sh "$out" | cut -f1) $out"
