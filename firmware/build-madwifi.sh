#!/usr/bin/env bash
# Build the madwifi 0.9.3 kernel modules of one rig firmware variant for real boards,
# and record them in firmware/variants.yaml. Run by a lab on a build host; not in CI.
#
#   firmware/build-madwifi.sh --variant patched --target mips1-be-elf \
#       --tarball ~/dl/madwifi-0.9.3.tar.gz \
#       --kernel ~/boards/linux-2.6.16 --arch mips --cross-compile mips-linux-uclibc-
#
# Steps: unpack the release tree into a temporary folder, apply the variant's patches
# (patch -p1, no fuzz), stamp RELEASE_VERSION with the variant's release (it shows in
# the dmesg banners: "wlan: 0.8.4.2 (0.9.3-rig1404)"), cross-compile the modules against
# the board's configured kernel tree, copy the 11 .ko files to firmware/<target>/<variant>/
# and write their size, sha256 and md5 into the manifest. Then `rig flash --variant V`.
# See firmware/README.md.
set -euo pipefail

usage() {
  cat <<'EOF'
usage: firmware/build-madwifi.sh --variant NAME --target TARGET (--tarball FILE | --source DIR)
                                 [--kernel KERNELPATH] [--arch ARCH] [--cross-compile PREFIX]
                                 [--hal-target HALTARGET] [--bus PCI|AHB] [--out DIR]
                                 [--prepare-only DIR] [--no-record] [-j N]

  --variant NAME        a variant of firmware/variants.yaml (stock, patched, vanilla, ...)
  --target TARGET       a target of firmware/variants.yaml (e.g. mips1-be-elf): names the build
  --tarball FILE        madwifi-0.9.3.tar.gz (the release; see the manifest's madwifi.source)
  --source DIR          or an unpacked, unmodified release-0.9.3 tree (it is copied, not changed)
  --kernel KERNELPATH   the board's configured and built Linux 2.6.16 tree   (env KERNELPATH)
  --arch ARCH           kernel ARCH, e.g. mips                                (env ARCH)
  --cross-compile P     toolchain prefix, e.g. mips-linux-uclibc-             (env CROSS_COMPILE)
  --hal-target T        madwifi's HAL TARGET when it cannot tell from the kernel config
  --bus PCI|AHB         PCI (mini-PCI cards: ath_pci) is what the manifest's load order names
  --out DIR             where the .ko files go (default firmware/<target>/<variant>)
  --prepare-only DIR    only unpack, patch and stamp the tree into DIR (build it your way)
  --no-record           build and copy, but do not write the checksums into the manifest
EOF
}

VARIANT= TARGET= TARBALL= SOURCE= OUT_ARG= PREPARE= HAL_TARGET= BUS=PCI RECORD=1 JOBS=1
KERNELPATH=${KERNELPATH:-} ARCH=${ARCH:-} CROSS_COMPILE=${CROSS_COMPILE:-}
while [ $# -gt 0 ]; do
  case "$1" in
    --variant) VARIANT=$2; shift 2 ;;
    --target) TARGET=$2; shift 2 ;;
    --tarball) TARBALL=$2; shift 2 ;;
    --source) SOURCE=$2; shift 2 ;;
    --kernel) KERNELPATH=$2; shift 2 ;;
    --arch) ARCH=$2; shift 2 ;;
    --cross-compile) CROSS_COMPILE=$2; shift 2 ;;
    --hal-target) HAL_TARGET=$2; shift 2 ;;
    --bus) BUS=$2; shift 2 ;;
    --out) OUT_ARG=$2; shift 2 ;;
    --prepare-only) PREPARE=$2; shift 2 ;;
    --no-record) RECORD=0; shift ;;
    -j) JOBS=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "build-madwifi: unknown argument $1" >&2; usage >&2; exit 2 ;;
  esac
done
die() { echo "build-madwifi: $*" >&2; exit 1; }
[ -n "$VARIANT" ] && [ -n "$TARGET" ] || { usage >&2; exit 2; }
[ -n "$TARBALL" ] || [ -n "$SOURCE" ] || die "give the madwifi 0.9.3 release: --tarball FILE or --source DIR"

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
# The variant's patches and release string, from the (validated) manifest.
PLAN=$(cd "$ROOT" && node --import tsx src/firmware/lab-build.ts plan --variant "$VARIANT" --target "$TARGET") || exit 2
eval "$PLAN"
OUT=${OUT_ARG:-$OUT}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/rig-madwifi.XXXXXX")
cleanup() { rm -rf "$WORK"; }
trap cleanup EXIT
TREE=$WORK/madwifi-$MADWIFI_RELEASE
if [ -n "$TARBALL" ]; then
  mkdir -p "$TREE"
  tar -xzf "$TARBALL" -C "$TREE" --strip-components=1
else
  cp -a "$SOURCE/." "$TREE/"
fi
grep -q "^#define RELEASE_VERSION[[:space:]]*\"$MADWIFI_RELEASE\"" "$TREE/release.h" ||
  die "$TREE/release.h: not madwifi $MADWIFI_RELEASE (or already stamped): start from the unmodified release"

echo "== madwifi $MADWIFI_RELEASE -> $VARIANT ($RELEASE) for $TARGET"
for p in ${PATCHES[@]+"${PATCHES[@]}"}; do
  echo "   patch -p1 < ${p#"$ROOT"/}"
  patch -d "$TREE" -p1 -F0 --dry-run --quiet < "$p" >/dev/null || die "$p does not apply cleanly to the release tree"
  patch -d "$TREE" -p1 -F0 --no-backup-if-mismatch --quiet < "$p"
done
# RELEASE_VERSION goes into every banner ("wlan: 0.8.4.2 (<release>)"): how a board shows which build it runs.
sed -i.orig -e "s/^\(#define RELEASE_VERSION[[:space:]]*\)\"$MADWIFI_RELEASE\"\$/\1\"$RELEASE\"/" "$TREE/release.h"
rm -f "$TREE/release.h.orig"
grep -q "^#define RELEASE_VERSION[[:space:]]*\"$RELEASE\"\$" "$TREE/release.h" || die "could not stamp $TREE/release.h with $RELEASE"

if [ -n "$PREPARE" ]; then
  mkdir -p "$PREPARE"
  cp -a "$TREE/." "$PREPARE/"
  echo "== prepared (patched, stamped $RELEASE): $PREPARE"
  echo "   build it with: make -C $PREPARE KERNELPATH=... ARCH=... CROSS_COMPILE=... BUS=$BUS modules"
  echo "   then record:   node --import tsx src/firmware/lab-build.ts record --variant $VARIANT --target $TARGET --dir <folder of the 11 .ko files>"
  exit 0
fi

[ -n "$KERNELPATH" ] || die "--kernel KERNELPATH (the board's configured kernel tree) is needed"
[ -f "$KERNELPATH/.config" ] || die "$KERNELPATH/.config missing: configure and build the board's kernel first"
[ -n "$ARCH" ] || die "--arch ARCH is needed (e.g. mips)"
MAKEARGS=(KERNELPATH="$KERNELPATH" ARCH="$ARCH" CROSS_COMPILE="$CROSS_COMPILE" BUS="$BUS")
[ -n "$HAL_TARGET" ] && MAKEARGS+=(TARGET="$HAL_TARGET")
echo "== make ${MAKEARGS[*]} modules"
make -C "$TREE" -j"$JOBS" "${MAKEARGS[@]}" modules

mkdir -p "$OUT"
for m in "${MODULES[@]}"; do
  case "$m" in
    ath_hal) src=$TREE/ath_hal/ath_hal.ko ;;
    ath_pci|ath_ahb) src=$TREE/ath/$m.ko ;;
    ath_rate_*) src=$TREE/ath_rate/${m#ath_rate_}/$m.ko ;;
    *) src=$TREE/net80211/$m.ko ;;
  esac
  [ -f "$src" ] || die "the build did not produce $src"
  cp "$src" "$OUT/$m.ko"
done
echo "== ${#MODULES[@]} modules in $OUT"
if [ "$RECORD" = 1 ]; then
  (cd "$ROOT" && node --import tsx src/firmware/lab-build.ts record --variant "$VARIANT" --target "$TARGET" --dir "$OUT")
fi
echo "== done: rig flash --variant $VARIANT --target $TARGET --bench <your bench>"
