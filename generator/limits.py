"""WeChat's hard limits and DevTools' advice: the one place these numbers live."""

PACKAGE_KB = 2048
"""Largest main package or subpackage WeChat accepts."""
TOTAL_KB = 30720
"""Largest sum of all packages WeChat accepts."""
PACKAGE_WARN_KB = 1536
"""DevTools warns for a package over 1.5 MB."""
TAB_ICON_KB = 40
"""Largest tab bar icon WeChat accepts."""
IMAGE_KB = 500
"""The project's rule (and WeChat's guidance): every image under 500 KB."""
IMAGE_WARN_KB = 200
"""DevTools warns for any image over 200 KB."""
PRELOAD_KB = 2048
"""Largest total of subpackages the pages of one package may preload (preloadRule) together."""
