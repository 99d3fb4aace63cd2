#!/bin/sh
# citytwin set-up on Debian 12, as root: installs the Debian packages that
# are missing, builds, then either runs the demo or runs every test.
#
#   tools/setup.sh demo   build into build/ and run the demo (a window when a
#                         display is present, else a headless snapshot)
#   tools/setup.sh test   build with -Werror into build/, run ctest; then an
#                         AddressSanitizer+UBSan build (build-asan/) runs the
#                         unit tests, and libFuzzer targets (build-fuzz/) run
#                         for a bounded time each
set -eu
mode=${1:-demo}
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)

build_packages="build-essential cmake pkg-config libgdal-dev gdal-bin libglfw3-dev libcglm-dev
  libcurl4-openssl-dev libstb-dev libjson-c-dev libepoxy-dev libmicrohttpd-dev libegl-dev
  libegl-mesa0 libgl1-mesa-dri fonts-nanum"
test_packages="xvfb xauth xdotool nginx-light clang libclang-rt-14-dev"

install_missing() {
    missing=""
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
            missing="$missing $p"
    done
    [ -z "$missing" ] && return 0
    if [ "$(id -u)" != 0 ]; then
        echo "citytwin: these Debian packages are missing; run as root to install them:$missing" >&2
        exit 1
    fi
    echo "citytwin: installing$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # Services that come with a package (nginx) must not start here.
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    apt-get install -y -qq --no-install-recommends $missing </dev/null
    rm -f /usr/sbin/policy-rc.d
}

configure_build() { # dir, cmake options...
    dir=$1
    shift
    cmake -S . -B "$dir" "$@" >/dev/null
    cmake --build "$dir" -j "$jobs"
}

case "$mode" in
demo)
    install_missing $build_packages
    configure_build build -DCMAKE_BUILD_TYPE=Release -DCITYTWIN_TESTS=OFF
    if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
        exec build/citytwin
    fi
    out="$(pwd)/build/citytwin-demo.png"
    build/citytwin --headless --snapshot "$out" --report build/citytwin-demo.json
    echo "citytwin: no display here, so the demo ran headless: open $out"
    ;;
test)
    install_missing $build_packages $test_packages
    status=0
    configure_build build -DCMAKE_BUILD_TYPE=Release -DCITYTWIN_WERROR=ON
    (cd build && ctest --output-on-failure -j "$jobs" --timeout 600) || status=1
    # Sanitizers: every unit test under AddressSanitizer + UBSan.
    configure_build build-asan -DCMAKE_BUILD_TYPE=Debug -DCITYTWIN_WERROR=ON -DCITYTWIN_SANITIZE=ON \
        -DCITYTWIN_BENCH=OFF
    (cd build-asan && ctest --output-on-failure -j "$jobs" -L unit --timeout 900) || status=1
    # Fuzzers (clang + libFuzzer), each for a bounded time.
    configure_build build-fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug -DCITYTWIN_FUZZ=ON \
        -DCITYTWIN_TESTS=ON -DCITYTWIN_BENCH=OFF
    (cd build-fuzz && ctest --output-on-failure -L fuzz --timeout 900) || status=1
    exit $status
    ;;
*)
    echo "usage: tools/setup.sh demo|test" >&2
    exit 2
    ;;
esac
