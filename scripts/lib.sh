# Shared by scripts/demo and scripts/test: system packages and the build folder.

# Installs the Debian packages that are missing (needs root, or sudo).
ensure_packages() {
  local missing=()
  for p in "$@"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing system packages: ${missing[*]}" >&2
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# What the client window needs at run time: X11 client libraries, the Vulkan loader and
# Mesa's drivers (lavapipe renders on the CPU where there is no GPU).
CLIENT_RUNTIME_PACKAGES=(libx11-6 libx11-xcb1 libxcursor1 libxrandr2 libxi6 libxkbcommon0
  libxkbcommon-x11-0 libvulkan1 mesa-vulkan-drivers)

# What building the client needs: ALSA's headers and pkg-config for cpal (the microphone and
# the speakers); the headers bring ALSA's library for run time.
CLIENT_BUILD_PACKAGES=(pkg-config libasound2-dev)

# Builds go to one folder outside the clone, so a fresh clone (CI) reuses earlier work.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/madang-target}"
mkdir -p "$CARGO_TARGET_DIR"

if ! command -v cargo >/dev/null 2>&1; then
  echo "cargo is not installed: Madang needs Rust 1.95 (https://rustup.rs)" >&2
  exit 1
fi
