#!/usr/bin/env bash
# A splitsim sweep as a Slurm job array: each array task runs one shard.
#
#   sbatch deploy/slurm-sweep.sh scenarios/sweeps/ratio-sweep.json /shared/results
#
# splitsim reads SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_MIN, SLURM_ARRAY_TASK_STEP and
# SLURM_ARRAY_TASK_COUNT itself and runs shard (ID − MIN) / STEP + 1 of COUNT, so any
# range gives shards 1 … N; --array=1-8 also makes the log's %a the shard number.
# When every task has finished, a dependent job merges the shards:
#
#   jid=$(sbatch --parsable deploy/slurm-sweep.sh SWEEP OUT)
#   sbatch --dependency=afterok:$jid --wrap "npx splitsim merge OUT/<sweep name>"
#
# Run from a checkout with `npm ci` done, on a filesystem all nodes share.
#SBATCH --job-name=splitsim-sweep
#SBATCH --array=1-8
#SBATCH --cpus-per-task=2
#SBATCH --mem=8G
#SBATCH --time=04:00:00
#SBATCH --output=splitsim-%A_%a.log
set -euo pipefail
sweep="${1:?usage: sbatch deploy/slurm-sweep.sh SWEEP_FILE OUT_DIR}"
out="${2:?usage: sbatch deploy/slurm-sweep.sh SWEEP_FILE OUT_DIR}"
npx splitsim sweep "$sweep" --out "$out" --workers "${SLURM_CPUS_PER_TASK:-1}" --quiet
