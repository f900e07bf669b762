#!/usr/bin/env bash
# Install headless Chromium and its WebDriver for tests/test_browser.py (Debian/Ubuntu packages).
# Never fails the build: without root or apt the browser tests are skipped with a reason.
if command -v chromium >/dev/null 2>&1 && [ -x /usr/bin/chromedriver ]; then
    echo "install_browser: chromium and chromedriver already installed"; exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    if apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null; then
        echo "install_browser: installed $(chromium --version 2>/dev/null | head -1)"
    else
        echo "install_browser: apt-get could not install chromium/chromium-driver; the browser tests will be skipped"
    fi
else
    echo "install_browser: not root or no apt-get; the browser tests (tests/test_browser.py) will be skipped"
    echo "install_browser: to run them, install chromium and chromium-driver (chromedriver at /usr/bin/chromedriver)"
fi
exit 0
