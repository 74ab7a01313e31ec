#!/usr/bin/env bash
# Packs what bench:gpu needs on the GPU machine into ./.device-carry (run here, from the project
# root, after `npm ci`): the files that ../shared/device/on-device.sh unpacks there.
#   node.xz       this machine's Node.js (the GPU machine has none)
#   npm.tar.xz    npm, so that `npm run bench:gpu` works there
#   nm.tar.xz     only the node_modules bench:gpu loads (runtime-modules.mjs lists them), taken
#                 from this checkout's node_modules: no registry is needed, and it stays small
#   gl/*.deb      the Vulkan/EGL loaders (Debian packages, unpacked there)
#   on-device.sh  sourced first on the device (../shared/device/on-device.sh)
# Left out of nm.tar.xz: other platforms' Dawn and esbuild binaries, and the webgpu 0.2.9 that
# gpu.js declares but never loads (@lorafa/gpu/node puts webgpu 0.6.2 on navigator.gpu).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
shared=$(cd "$here/../../../shared/device" && pwd)
out=.device-carry
[ -f package.json ] && [ -d node_modules ] || { echo "run from the project root, after npm ci" >&2; exit 1; }
mkdir -p "$out/gl"
# Each archive is written under a temporary name and renamed, so an interrupted run leaves none half-written.
[ -f "$out/node.xz" ] || { xz -T2 -6 -c "$(command -v node)" > "$out/node.xz.part" && mv "$out/node.xz.part" "$out/node.xz"; }
npmdir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
[ -f "$out/npm.tar.xz" ] || { tar cJf "$out/npm.tar.xz.part" -C "$(dirname "$npmdir")" "$(basename "$npmdir")" && mv "$out/npm.tar.xz.part" "$out/npm.tar.xz"; }
mapfile -t modules < <(node "$here/runtime-modules.mjs" | grep -vx 'node_modules/gpu.js/node_modules/webgpu')
XZ_OPT=-6 tar cJf "$out/nm.tar.xz.part" --exclude='node_modules/gpu.js/node_modules/webgpu' \
  --exclude='*/webgpu/dist/darwin-*' --exclude='*/webgpu/dist/win32-*' --exclude='*/webgpu/dist/linux-arm64' \
  --exclude='*/.cache' node_modules/.bin/tsx "${modules[@]}"
mv "$out/nm.tar.xz.part" "$out/nm.tar.xz"
if ! ls "$out"/gl/libvulkan1_*.deb >/dev/null 2>&1; then
  mkdir -p /tmp/amd64/partial
  o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
  apt-get $o update -qq >/dev/null 2>&1 || true
  (cd "$out/gl" && apt-get $o download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2 >/dev/null 2>&1)
fi
cp -f "$shared/on-device.sh" "$out/on-device.sh"
du -sh "$out" | awk '{print "packed " $1 " into .device-carry (with the working tree, at most 64 MiB travel)"}'
