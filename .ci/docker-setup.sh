#!/usr/bin/env bash
# .ci/docker-setup.sh — make a Docker Engine and starform's local test image available.
#
# starform's runtime tests (test/docker) talk to a real Docker Engine, and no image
# registry is reachable from CI or the developers' machines. This script, run as root
# by CI (`bash .ci/docker-setup.sh` from .ci/run) and by developers, brings a machine to
# the state those tests need, doing only what is missing, so running it again is cheap:
#   1. installs Debian's docker.io and busybox-static when they are absent
#      (one `apt-get update`, non-interactive);
#   2. starts `dockerd` in the background when no engine answers, logging to a file,
#      and waits (bounded) until `docker info` works;
#   3. builds the test image (default starform-test/busybox:latest) with `docker import`
#      from a tarball holding the static busybox and its applet links (sh, httpd, nc,
#      sleep, cat, echo, wget, ...), so a test service can serve HTTP and answer exec.
#      The image carries a recipe label; it is rebuilt only when the recipe changes.
# Settings (environment): STARFORM_TEST_IMAGE, STARFORM_DOCKERD_LOG, STARFORM_DOCKERD_WAIT,
# STARFORM_DOCKERD_POOL (the address range dockerd hands /24 networks from).
set -euo pipefail

IMAGE="${STARFORM_TEST_IMAGE:-starform-test/busybox:latest}"
DOCKERD_LOG="${STARFORM_DOCKERD_LOG:-/var/log/starform-dockerd.log}"
WAIT_SECONDS="${STARFORM_DOCKERD_WAIT:-90}"
RECIPE="1"   # bump whenever the image's contents below change
LOCK_FILE="/tmp/starform-docker-setup.lock"
BUILD_DIR=""
trap '[ -z "$BUILD_DIR" ] || rm -rf "$BUILD_DIR"' EXIT

log() { echo "docker-setup: $*"; }
die() { echo "docker-setup: error: $*" >&2; exit 1; }

need_root() {
  [ "$(id -u)" = "0" ] || die "$1 needs root; run: sudo bash .ci/docker-setup.sh"
}

APT_UPDATED=0
apt_install() {
  need_root "installing $*"
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found; install $* by hand (this script knows Debian only)"
  if [ "$APT_UPDATED" = 0 ]; then
    log "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null || die "apt-get update failed"
    APT_UPDATED=1
  fi
  log "installing $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >/dev/null \
    || die "apt-get install $* failed"
}

pkg_installed() {
  [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = "install ok installed" ]
}

engine_answers() {
  command -v docker >/dev/null 2>&1 && timeout 10 docker info >/dev/null 2>&1
}

dockerd_pid() {
  local pid
  if [ -r /var/run/docker.pid ]; then
    pid="$(cat /var/run/docker.pid 2>/dev/null || true)"
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then echo "$pid"; return 0; fi
  fi
  return 1
}

ensure_packages() {
  local wanted=()
  if ! engine_answers && { ! command -v dockerd >/dev/null 2>&1 || ! command -v docker >/dev/null 2>&1; }; then
    wanted+=(docker.io)
  fi
  pkg_installed busybox-static || wanted+=(busybox-static)
  if [ "${#wanted[@]}" -gt 0 ]; then apt_install "${wanted[@]}"; fi
}

ensure_engine() {
  if engine_answers; then
    log "Docker Engine answers ($(docker version --format '{{.Server.Version}}' 2>/dev/null || echo '?'))"
    return 0
  fi
  if [ -n "${DOCKER_HOST:-}" ] && [ "${DOCKER_HOST}" != "unix:///var/run/docker.sock" ]; then
    die "DOCKER_HOST=${DOCKER_HOST} does not answer; start that engine or unset DOCKER_HOST"
  fi
  local pid
  if pid="$(dockerd_pid)"; then
    log "dockerd (pid $pid) is running but not answering yet; waiting"
  else
    need_root "starting dockerd"
    mkdir -p "$(dirname "$DOCKERD_LOG")"
    log "starting dockerd (log: $DOCKERD_LOG)"
    # Address pools of /24 networks (256 of them) instead of the defaults' 31: the tests
    # create an enclave network per case, several at once, and a crash test leaves some
    # for the next apply to find.
    setsid nohup dockerd --default-address-pool "base=${STARFORM_DOCKERD_POOL:-10.210.0.0/16},size=24" >>"$DOCKERD_LOG" 2>&1 </dev/null 9>&- &
    pid=$!
  fi
  local waited=0
  until engine_answers; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "--- last lines of $DOCKERD_LOG ---" >&2
      tail -n 30 "$DOCKERD_LOG" >&2 || true
      die "dockerd exited during start-up; see $DOCKERD_LOG"
    fi
    if [ "$waited" -ge "$WAIT_SECONDS" ]; then
      echo "--- last lines of $DOCKERD_LOG ---" >&2
      tail -n 30 "$DOCKERD_LOG" >&2 || true
      die "dockerd (pid $pid) did not answer 'docker info' within ${WAIT_SECONDS}s; see $DOCKERD_LOG"
    fi
    sleep 1
    waited=$((waited + 1))
  done
  log "Docker Engine ready after ${waited}s"
}

busybox_binary() {
  local path
  path="$(dpkg -L busybox-static 2>/dev/null | grep -m1 '/busybox$' || true)"
  [ -n "$path" ] && [ -x "$path" ] || path=/bin/busybox
  [ -x "$path" ] || die "busybox-static's binary not found"
  echo "$path"
}

ensure_image() {
  local have
  have="$(docker image inspect --format '{{ index .Config.Labels "starform-test.recipe" }}' "$IMAGE" 2>/dev/null || true)"
  if [ "$have" = "$RECIPE" ]; then
    log "image $IMAGE is up to date"
    return 0
  fi
  log "building image $IMAGE (recipe $RECIPE)"
  local busybox root applet old
  old="$(docker image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)"
  busybox="$(busybox_binary)"
  root="$(mktemp -d)"
  BUILD_DIR="$root"
  mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,root,home,var/www,data}
  install -d -m 1777 "$root/tmp"
  install -m 0755 "$busybox" "$root/bin/busybox"
  for applet in $("$busybox" --list); do
    [ "$applet" = busybox ] && continue
    ln -s busybox "$root/bin/$applet"
  done
  ln -s ../../bin/busybox "$root/usr/bin/env"
  printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' >"$root/etc/passwd"
  printf '%s\n' 'root:x:0:' 'nogroup:x:65534:' >"$root/etc/group"
  printf '%s\n' '<!doctype html><title>starform test</title><p>starform test image</p>' >"$root/var/www/index.html"
  tar --numeric-owner --owner=0 --group=0 -C "$root" -cf - . | docker import \
    --change 'ENV PATH=/bin:/sbin:/usr/bin:/usr/sbin' \
    --change 'WORKDIR /' \
    --change 'CMD ["sh"]' \
    --change "LABEL starform-test.recipe=$RECIPE" \
    --message "starform test image (busybox-static), recipe $RECIPE" \
    - "$IMAGE" >/dev/null || die "docker import of $IMAGE failed"
  docker run --rm "$IMAGE" sh -c 'httpd --help >/dev/null 2>&1; echo ok' | grep -qx ok \
    || die "image $IMAGE was built but cannot run sh"
  rm -rf "$root"
  BUILD_DIR=""
  if [ -n "$old" ]; then docker image rm "$old" >/dev/null 2>&1 || true; fi
  log "image $IMAGE built"
}

main() {
  exec 9>"$LOCK_FILE"
  flock -w 300 9 || die "another docker-setup run holds $LOCK_FILE"
  ensure_packages
  ensure_engine
  ensure_image
}

main "$@"
