#!/usr/bin/env bash
# The baseline Sluice is compared with: terraform init, plan and show -json in each project dir,
# PARALLEL at a time, each with its own TF_DATA_DIR. The same argv and environment as the app's
# terraform runner. Usage (from the checkout root): plan-all.sh PARALLEL DATA_ROOT < project-dirs
set -euo pipefail
parallel=$1
export DATA_ROOT=$2

plan_one() {
  local dir=$1
  local data="$DATA_ROOT/${dir//\//_}"
  mkdir -p "$data"
  cd "$dir"
  TF_DATA_DIR="$data/.terraform" terraform init -input=false -no-color > "$data/init.log"
  TF_DATA_DIR="$data/.terraform" terraform plan -input=false -no-color -out="$data/plan.tfplan" > "$data/plan.log"
  TF_DATA_DIR="$data/.terraform" terraform show -json -no-color "$data/plan.tfplan" > "$data/plan.json"
}
export -f plan_one
xargs -d '\n' -P "$parallel" -I{} bash -c 'plan_one "$1"' _ {}
