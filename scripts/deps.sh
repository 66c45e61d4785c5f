# Sourced by demo.sh and test.sh: installs the Debian packages imgbatch builds, tests and runs with,
# only those missing, so a fresh Debian 12 machine (as root) needs nothing else.
IMGBATCH_PACKAGES=(
  g++ cmake ninja-build pkg-config
  libtbb-dev libturbojpeg0-dev libjpeg62-turbo-dev libpng-dev zlib1g-dev
  libspdlog-dev libfmt-dev libsimdjson-dev libpugixml-dev libcurl4-openssl-dev libwebp-dev doctest-dev libbenchmark-dev
  python3 python3-dev python3-numpy python3-pil python3-pytest pybind11-dev openmpi-bin doxygen
  nginx-light  # the HTTP shard tests start their own server on 127.0.0.1
)

imgbatch_install_packages() {
  local missing=()
  for p in "${IMGBATCH_PACKAGES[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    return 0
  fi
  echo "installing: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y --no-install-recommends "${missing[@]}"
}
