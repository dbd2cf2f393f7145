# Sourced by the build scripts (test.sh, test-sanitizers.sh, fuzz.sh): a compiler cache when Debian's ccache is
# installed, keyed on paths relative to the checkout so that another clone on the same machine hits it too.
# Optional: without ccache every build compiles from scratch, with the same result.
if command -v ccache >/dev/null; then
  export CCACHE_BASEDIR=$PWD CCACHE_NOHASHDIR=1
  # CMake takes this when it configures a new build tree (tests/deploy's production tree included).
  export CMAKE_CXX_COMPILER_LAUNCHER=ccache
fi
