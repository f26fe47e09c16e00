#!/bin/sh
# /init of the hwsim lab's VM (rig/hwsim/build-image.sh puts it in the initramfs).
#
# Three simulated radios (mac80211_hwsim radios=3): phy0/wlan0 is ap1's, phy1/wlan1 ap2's,
# phy2/wlan2 the client's, moved into network namespace "sta" (in one namespace the
# kernel would deliver the station's pings locally and nothing would cross the air).
# br0 holds the ping target's address; the APs' hostapd bridge their interfaces to it
# (bridge=br0). Nothing Wi-Fi is started here: the rig's drivers start hostapd and
# wpa_supplicant over SSH, as on a bench.
#
# Each device is its own SSH server (dropbear on guest port 2201 ap1, 2202 ap2, 2203
# client; QEMU forwards a loopback port to each) whose sessions run inside that device's
# namespaces: a private mount namespace (own /tmp) and PID namespace (killall sees only
# the device's own processes); the client's also in netns sta. The keys come from the
# second cpio the lab appends at each start (/etc/rig/): the cached image holds none.
/bin/busybox --install -s
export PATH=/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts
mount -t devpts devpts /dev/pts
mount -t tmpfs -o mode=0755 run /run
mount -t tmpfs -o mode=1777 tmp /tmp
hostname hwsim
say() { echo "rig-hwsim: $*" >/dev/console; }
fail() { say "FAILED: $*"; poweroff -f; }
[ -r /etc/rig/lab.conf ] || fail "no /etc/rig/lab.conf (the lab's key cpio was not appended)"
. /etc/rig/lab.conf

while read -r ko; do
  case $ko in
    */mac80211_hwsim.ko*) insmod "$ko" radios=3 || fail "insmod $ko" ;;
    *) insmod "$ko" || fail "insmod $ko" ;;
  esac
done </etc/modules.order

ip link set lo up
n=0
while [ ! -e /sys/class/net/eth0 ] && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
ip link set eth0 up || fail "no eth0 (virtio-net)"
ip addr add 10.0.2.15/24 dev eth0
ip route add default via 10.0.2.2

# The wired side: the bridge the APs join, holding the ping target's address.
ip link add br0 type bridge stp_state 0 forward_delay 0
ip addr add "$TARGET_CIDR" dev br0
ip link set br0 up

n=0
while [ ! -e /sys/class/ieee80211/phy2 ] && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
[ -e /sys/class/ieee80211/phy2 ] || fail "mac80211_hwsim made no phy2"
ip netns add sta
iw phy phy2 set netns name sta || fail "iw phy phy2 set netns name sta"
ip netns exec sta ip link set lo up
ip netns exec sta ip addr add "$STATION_CIDR" dev wlan2

# One long-lived holder per device: PID 1 of the device's PID namespace, in its own mount
# namespace (own /tmp); sessions join it with nsenter. It reaps what daemons leave behind.
mkdir -p /run/rig
holder() { # DEVICE [NETNS]
  mkdir -p "/run/rig/$1/tmp"
  chmod 1777 "/run/rig/$1/tmp"
  set -- "$1" ${2:+ip netns exec "$2"}
  dev=$1; shift
  "$@" unshare -m -p -f --mount-proc /bin/sh -c "mount --bind /run/rig/$dev/tmp /tmp; trap '' TERM INT HUP; while :; do sleep 3600 & wait; done" &
  up=$!
  n=0
  while [ $n -lt 50 ]; do # the namespace's PID 1 is the child unshare forked
    p=$(grep -l "^PPid:[[:space:]]*$up\$" /proc/[0-9]*/status 2>/dev/null | head -n1 | cut -d/ -f3)
    [ -n "$p" ] && { echo "$p" >"/run/rig/$dev.pid"; return 0; }
    sleep 0.1; n=$((n + 1))
  done
  fail "no namespace holder for $dev"
}
holder ap1
holder ap2
holder client sta

# A session's shell: the forced command of the device's dropbear.
cat >/run/rig/shell <<'S'
#!/bin/sh
# rig-hwsim device shell: DEVICE; joins the device's namespaces, runs the client's command.
dev=$1
flags="-m -p"
[ "$dev" = client ] && flags="-m -p -n"
cd /root
if [ -n "$SSH_ORIGINAL_COMMAND" ]; then
  exec nsenter -t "$(cat /run/rig/$dev.pid)" $flags -- /bin/sh -c "$SSH_ORIGINAL_COMMAND"
fi
exec nsenter -t "$(cat /run/rig/$dev.pid)" $flags -- /bin/sh -l
S
chmod 0755 /run/rig/shell

mkdir -p /root/.ssh
cp /etc/rig/authorized_keys /root/.ssh/authorized_keys
chmod 0700 /root /root/.ssh
chmod 0600 /root/.ssh/authorized_keys
printf 'export PATH=%s\nexport PS1=%s\n' "$PATH" '\h:\w\$ ' >/root/.profile
for dev in ap1 ap2 client; do
  case $dev in ap1) port=2201 ;; ap2) port=2202 ;; client) port=2203 ;; esac
  dropbearconvert openssh dropbear "/etc/rig/host_key_$dev" "/run/rig/$dev.host_key" >/dev/null 2>&1 || fail "dropbearconvert $dev host key"
  dropbear -s -p "$port" -r "/run/rig/$dev.host_key" -c "/run/rig/shell $dev" -P "/run/rig/$dev.dropbear.pid" || fail "dropbear for $dev"
done
say "ready"

# PID 1 reaps orphans; the lab stops the VM by killing QEMU (nothing here to save).
trap '' TERM INT HUP
while :; do sleep 3600 & wait; done
