#!/bin/bash
# Build the hwsim lab's VM image from Debian packages only: Debian's kernel and an
# initramfs holding busybox-static, hostapd, wpa_supplicant, iw, iproute2, ping,
# dropbear and tcpdump with their shared libraries, and the kernel modules
# mac80211_hwsim, virtio_net and the bridge need. Packages are fetched with
# `apt-get download` and unpacked with `dpkg -x`: nothing is installed on the host.
#
#   build-image.sh OUT_DIR INIT_SCRIPT
#
# Writes OUT_DIR/vmlinuz, OUT_DIR/initrd.img (gzip'ed newc cpio), OUT_DIR/versions.txt.
# Holds no key: the lab appends the keys of each start as a second cpio.
# BUILD_SCRIPT_VERSION is part of the cache key (rig/hwsim/image.ts): bump it with any change here.
BUILD_SCRIPT_VERSION=2
set -euo pipefail
export LC_ALL=C

out=${1:?usage: build-image.sh OUT_DIR INIT_SCRIPT}
init=${2:?usage: build-image.sh OUT_DIR INIT_SCRIPT}
tools="busybox-static dash hostapd wpasupplicant iw iproute2 iputils-ping dropbear-bin tcpdump"
kpkg=$(apt-cache depends linux-image-amd64 | sed -n 's/^ *Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -n1)
[ -n "$kpkg" ] || { echo "build-image: no linux-image-*-amd64 behind linux-image-amd64 (apt-get update?)" >&2; exit 1; }
kver=${kpkg#linux-image-}

work=$(mktemp -d "${TMPDIR:-/tmp}/rig-hwsim-build.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/debs" "$work/stage" "$work/root"

# The tools, the kernel, and the library packages of the tools' dependency closure.
libs=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces --no-enhances $tools \
  | grep -E '^(lib|zlib1g)[a-z0-9.+-]*$' | sort -u)
(cd "$work/debs" && apt-get download -q $tools "$kpkg" $libs >"$work/download.log" 2>&1) || { cat "$work/download.log" >&2; exit 1; }
for deb in "$work"/debs/*.deb; do dpkg -x "$deb" "$work/stage"; done
(cd "$work/debs" && for deb in *.deb; do dpkg-deb -W --showformat='${Package} ${Version}\n' "$deb"; done) | sort >"$work/versions.txt"

stage=$work/stage
root=$work/root
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,usr/local/bin,lib64,lib/modules,etc,proc,sys,dev,run,tmp,var,root,etc/dropbear}
ln -s ../run "$root/var/run"
cp "$stage/bin/busybox" "$root/bin/busybox"
# /bin/sh is dash: Debian's static busybox shell runs its own applets before PATH (its
# ping, ip), so a device's commands would not reach iputils or iproute2.
cp "$stage/bin/dash" "$root/bin/dash"
ln -s dash "$root/bin/sh"

# The real tools go first in PATH (/usr/local/bin); busybox fills in the rest at boot.
for b in usr/sbin/hostapd usr/sbin/hostapd_cli sbin/wpa_supplicant sbin/wpa_cli usr/sbin/wpa_supplicant usr/sbin/wpa_cli \
         sbin/iw usr/sbin/iw bin/ip sbin/ip usr/bin/ip usr/sbin/ip sbin/bridge usr/sbin/bridge bin/ping usr/bin/ping \
         usr/sbin/dropbear usr/bin/dropbearkey usr/lib/dropbear/dropbearconvert usr/bin/dropbearconvert usr/bin/tcpdump usr/sbin/tcpdump; do
  [ -f "$stage/$b" ] || continue
  name=$(basename "$b")
  [ -e "$root/usr/local/bin/$name" ] || cp "$stage/$b" "$root/usr/local/bin/$name"
done
for need in hostapd hostapd_cli wpa_supplicant wpa_cli iw ip ping dropbear dropbearconvert tcpdump; do
  [ -f "$root/usr/local/bin/$need" ] || { echo "build-image: $need not found in the unpacked packages" >&2; exit 1; }
done

# Shared libraries: what the staged dynamic loader resolves, from the staged libraries only.
ldso=$stage/lib64/ld-linux-x86-64.so.2
[ -e "$ldso" ] || ldso=$stage/usr/lib64/ld-linux-x86-64.so.2
libpath=$stage/lib/x86_64-linux-gnu:$stage/usr/lib/x86_64-linux-gnu
cp -L "$ldso" "$root/lib64/ld-linux-x86-64.so.2"
mkdir -p "$root/lib/x86_64-linux-gnu"
for b in "$root"/usr/local/bin/* "$root/bin/dash"; do
  out_list=$("$ldso" --library-path "$libpath" --list "$b") || { echo "build-image: cannot resolve the libraries of $(basename "$b")" >&2; exit 1; }
  if grep -q 'not found' <<<"$out_list"; then echo "build-image: $(basename "$b"): $(grep 'not found' <<<"$out_list" | paste -sd' ')" >&2; exit 1; fi
  awk '/=> \//{print $3}' <<<"$out_list" | while read -r lib; do
    case $lib in "$stage"/*) ;; *) echo "build-image: $(basename "$b") resolved $lib outside the unpacked packages" >&2; exit 1;; esac
    cp -Ln "$lib" "$root/lib/x86_64-linux-gnu/$(basename "$lib")"
  done
done

# Kernel modules, in load order: the virtio NIC, mac80211_hwsim and what it needs, the bridge,
# and the ciphers mac80211 asks the crypto API for (CCMP: ccm(aes), GCMP: gcm(aes), BIP:
# cmac(aes)); without them WPA2 fails when hostapd installs its group key (ENOENT).
depmod -b "$stage" "$kver"
: >"$root/etc/modules.order"
for m in virtio_pci virtio_net mac80211_hwsim bridge ccm ctr gcm ghash_generic cmac; do
  modprobe -d "$stage" -S "$kver" --show-depends "$m" | awk '$1=="insmod"{print $2}' | while read -r ko; do
    rel=${ko#"$stage"}
    grep -qxF "$rel" "$root/etc/modules.order" && continue
    mkdir -p "$root$(dirname "$rel")"
    cp "$ko" "$root$rel"
    echo "$rel" >>"$root/etc/modules.order"
  done
done
cp "$stage/boot/vmlinuz-$kver" "$work/vmlinuz"

cat >"$root/etc/passwd" <<'P'
root:x:0:0:root:/root:/bin/sh
P
echo 'root:x:0:' >"$root/etc/group"
printf '/bin/sh\n/bin/ash\n' >"$root/etc/shells"
echo 'hwsim' >"$root/etc/hostname"
cp "$init" "$root/init"
chmod 0755 "$root/init"
chmod 0700 "$root/root"

(cd "$root" && find . -print0 | sort -z | cpio --null -o -H newc --owner=0:0 --quiet) | gzip -9 -n >"$work/initrd.img"
echo "kernel $kpkg" >>"$work/versions.txt"
echo "build-script $BUILD_SCRIPT_VERSION" >>"$work/versions.txt"
mkdir -p "$out"
mv "$work/vmlinuz" "$work/initrd.img" "$work/versions.txt" "$out/"
