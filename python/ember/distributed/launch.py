"""`python -m ember.distributed.launch`: torch.distributed.launch, the launcher before torchrun.

The same flags as ember.distributed.run, plus `--use-env`: without it each script gets
`--local-rank=N` as its first argument (scripts of that era parse it with argparse); with it,
LOCAL_RANK in the environment only, as torchrun does.
"""
import sys

from .run import get_args_parser, run


def main(argv=None):
    parser = get_args_parser()
    parser.prog = "python -m ember.distributed.launch"
    parser.add_argument("--use-env", "--use_env", action="store_true",
                        help="leave the local rank in LOCAL_RANK only, not as --local-rank")
    sys.exit(run(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
