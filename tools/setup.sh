#!/bin/sh
# citytwin set-up on Debian 12, as root: installs the Debian packages that
# are missing, builds, then either runs the demo or runs every test.
#
#   tools/setup.sh demo   build into build/ and run the demo (a window when a
#                         display is present, else a headless snapshot)
#   tools/setup.sh test   configure build/ for the whole suite (whatever the
#                         demo left there), build with -Werror, run ctest; then
#                         an AddressSanitizer+UBSan build (build-asan/) runs the
#                         unit tests, and libFuzzer targets (build-fuzz/) run
#                         for a bounded time each. A run with no tests fails.
set -eu
mode=${1:-demo}
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)

build_packages="build-essential cmake pkg-config libgdal-dev libproj-dev gdal-bin libglfw3-dev libcglm-dev
  libcurl4-openssl-dev libstb-dev libjson-c-dev libepoxy-dev libmicrohttpd-dev libegl-dev
  libegl-mesa0 libgl1-mesa-dri fonts-nanum"
test_packages="xvfb xauth xdotool nginx-light clang libclang-rt-14-dev postgresql-15-postgis-3"

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

# What the demo and the test command configure build/ with. The test
# command names every option it needs, so a build/ the demo configured
# (tests off) becomes a full test build.
demo_opts="-DCMAKE_BUILD_TYPE=Release -DCITYTWIN_TESTS=OFF"
test_opts="-DCMAKE_BUILD_TYPE=Release -DCITYTWIN_WERROR=ON -DCITYTWIN_TESTS=ON -DCITYTWIN_BENCH=ON"

# A scratch folder configured as the demo does, then as the test command
# does, must list tests: the README's "demo, then test" runs the suite.
check_demo_then_test() {
    scratch=build-check-demo
    rm -rf "$scratch"
    cmake -S . -B "$scratch" $demo_opts >/dev/null
    cmake -S . -B "$scratch" $test_opts >/dev/null
    count=$(cd "$scratch" && ctest -N --no-tests=error | sed -n 's/^Total Tests: *//p')
    rm -rf "$scratch"
    if [ "${count:-0}" -le 0 ]; then
        echo "citytwin: error: a build folder configured by 'setup.sh demo' and then by" \
            "'setup.sh test' lists no tests" >&2
        exit 1
    fi
    echo "citytwin: demo then test: the test configuration lists $count tests"
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
    configure_build build $demo_opts
    if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
        exec build/citytwin
    fi
    out="$(pwd)/build/citytwin-demo.png"
    build/citytwin --headless --snapshot "$out" --report build/citytwin-demo.json
    echo "citytwin: no display here, so the demo ran headless: open $out"
    ;;
test)
    install_missing $build_packages $test_packages
    check_demo_then_test
    status=0
    configure_build build $test_opts
    (cd build && ctest --no-tests=error --output-on-failure -j "$jobs" --timeout 600) || status=1
    # Sanitizers: every unit test under AddressSanitizer + UBSan.
    configure_build build-asan -DCMAKE_BUILD_TYPE=Debug -DCITYTWIN_WERROR=ON -DCITYTWIN_SANITIZE=ON \
        -DCITYTWIN_TESTS=ON -DCITYTWIN_BENCH=OFF
    (cd build-asan && ctest --no-tests=error --output-on-failure -j "$jobs" -L unit --timeout 900) ||
        status=1
    # Fuzzers (clang + libFuzzer), each for a bounded time.
    configure_build build-fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug -DCITYTWIN_FUZZ=ON \
        -DCITYTWIN_TESTS=ON -DCITYTWIN_BENCH=OFF
    (cd build-fuzz && ctest --no-tests=error --output-on-failure -L fuzz --timeout 900) || status=1
    exit $status
    ;;
*)
    echo "usage: tools/setup.sh demo|test" >&2
    exit 2
    ;;
esac
