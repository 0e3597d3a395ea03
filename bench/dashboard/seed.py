"""Seed a stopped Ferry server's store with a big history for the dashboard benchmark.

Writes straight into ferry.db (the schema of crates/ferry-server/src/store/migrations.rs):
RELEASES releases spread over every project, each deployed to the first 1 to all environments of
its lifecycle with a finished task, so every project x environment pair has a cell.
Usage: python3 seed.py DATA_DIR RELEASES
"""
import json
import sqlite3
import sys

data_dir, total = sys.argv[1], int(sys.argv[2])
db = sqlite3.connect(f"{data_dir}/ferry.db")
channels = db.execute("SELECT project_id, id FROM channels WHERE is_default = 1 ORDER BY project_id").fetchall()
environments = [row[0] for row in db.execute("SELECT id FROM environments ORDER BY sort, id")]
if not channels or not environments:
    sys.exit("no projects or environments: start the server once with the benchmark's ferry.toml")
per_project = total // len(channels)
when = "2026-11-01T00:00:00.000+00:00"
release_rows, task_rows, deployment_rows = [], [], []
n_release = n_task = 0
for project_id, channel_id in channels:
    for r in range(per_project):
        n_release += 1
        release_id = f"Releases-{n_release}"
        version = f"1.{r // 100}.{r % 100}"
        key = f"1.{r // 100}.{r % 100}.0"
        release_rows.append((release_id, project_id, channel_id, version, key, "Notes", "[]", when, "{}", 0))
        reach = 1 + (r * 7) % len(environments)
        for env in environments[:reach]:
            n_task += 1
            task_id = f"ServerTasks-{n_task}"
            state = "Failed" if (n_task % 17) == 0 else "Success"
            task_rows.append((task_id, "Deploy", f"Deploy {project_id} {version}", state,
                              json.dumps({"DeploymentId": f"Deployments-{n_task}"}), project_id, env,
                              release_id, when, when, when, ""))
            deployment_rows.append((f"Deployments-{n_task}", release_id, env, project_id, channel_id, task_id,
                                    f"Deploy to {env}", when))
with db:
    db.executemany("INSERT INTO releases(id, project_id, channel_id, version, version_key, notes, selected, "
                   "assembled, custom_fields, ignore_channel_rules) VALUES (?,?,?,?,?,?,?,?,?,?)", release_rows)
    db.executemany("INSERT INTO tasks(id, name, description, state, arguments, project_id, environment_id, "
                   "release_id, queue_time, start_time, completed_time, error_message) "
                   "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", task_rows)
    db.executemany("INSERT INTO deployments(id, release_id, environment_id, project_id, channel_id, task_id, "
                   "name, created) VALUES (?,?,?,?,?,?,?,?)", deployment_rows)
    for kind, n in (("Releases", n_release), ("ServerTasks", n_task), ("Deployments", n_task)):
        db.execute("INSERT INTO counters(kind, next) VALUES (?, ?) ON CONFLICT(kind) DO UPDATE SET next = ?",
                   (kind, n, n))
print(f"seeded {n_release} releases, {n_task} deployments over {len(channels)} projects "
      f"and {len(environments)} environments")
