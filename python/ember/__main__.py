"""python -m ember --cmake-dir: where CMake finds ember's package config (for -Dember_DIR=...)."""
import argparse
import os
import sys


def main(argv=None):
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(prog="python -m ember", description=__doc__)
    parser.add_argument("--cmake-dir", action="store_true", help="print the folder holding emberConfig.cmake")
    parser.add_argument("--include-dir", action="store_true", help="print the C++ include folder")
    parser.add_argument("--lib-dir", action="store_true", help="print the folder holding libember")
    args = parser.parse_args(argv)
    if args.cmake_dir:
        print(os.path.join(here, "share", "cmake", "ember"))
    elif args.include_dir:
        print(os.path.join(here, "include"))
    elif args.lib_dir:
        print(os.path.join(here, "lib"))
    else:
        parser.print_help()
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
