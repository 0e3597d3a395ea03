// Drives `ferry server` with the official npm client (@octopusdeploy/api-client), the way the
// Octopus GitHub Actions do. Prints one `ok - ...` or `not ok - ...` line per check.
"use strict";
const fs = require("fs");
const os = require("os");
const path = require("path");
const api = require("@octopusdeploy/api-client");

const url = process.env.FERRY_URL;
const apiKey = process.env.FERRY_KEY;
const space = "Default";
let passed = 0;
let failed = 0;

function ok(name) {
  passed++;
  console.log(`ok - ${name}`);
}
function notOk(name, err) {
  failed++;
  console.log(`not ok - ${name}: ${err && err.message ? err.message : err}`);
}
async function check(name, fn) {
  try {
    await fn();
    ok(name);
  } catch (err) {
    notOk(name, err);
  }
}
function assert(condition, message) {
  if (!condition) throw new Error(message);
}

const logger = { debug: () => {}, info: () => {}, warn: (m) => console.error(m), error: (m, e) => console.error(m, e || "") };

async function main() {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-interop-"));
  const content = path.join(work, "content");
  fs.mkdirSync(path.join(content, "bin"), { recursive: true });
  fs.writeFileSync(path.join(content, "index.html"), "<h1>interop</h1>\n");
  fs.writeFileSync(path.join(content, "bin", "run.sh"), "#!/bin/sh\necho run\n");
  const out = path.join(work, "out");
  fs.mkdirSync(out);

  let client;
  await check("Client.create reads the root document", async () => {
    client = await api.Client.create({ instanceURL: url, apiKey, userAgentApp: "ferry-interop", logging: logger });
  });
  if (!client) return;

  let zip, nupkg;
  await check("ZipPackageBuilder packs a zip", async () => {
    const name = await new api.ZipPackageBuilder().pack({
      packageId: "Interop", version: "1.0.0", basePath: content, inputFilePatterns: ["**/*"], outputFolder: out, logger,
    });
    zip = path.join(out, name);
    assert(fs.existsSync(zip), `no ${zip}`);
  });
  await check("NuGetPackageBuilder packs a nupkg", async () => {
    const name = await new api.NuGetPackageBuilder().pack({
      packageId: "Interop.Lib", version: "1.0.0", basePath: content, inputFilePatterns: ["**/*"], outputFolder: out, logger,
      nuspecArgs: { description: "interop library", authors: ["ferry"], title: "Interop Lib" },
    });
    nupkg = path.join(out, name);
    assert(fs.existsSync(nupkg), `no ${nupkg}`);
  });

  const packages = new api.PackageRepository(client, space);
  await check("PackageRepository.push uploads both packages", async () => {
    await packages.push([zip, nupkg], api.OverwriteMode.FailIfExists);
  });
  await check("a second push with FailIfExists is refused", async () => {
    let refused = false;
    try {
      await packages.push([zip], api.OverwriteMode.FailIfExists);
    } catch (err) {
      refused = /already exists/.test(String(err && err.message));
    }
    assert(refused, "the duplicate push was not refused with 'already exists'");
  });
  await check("a second push with IgnoreIfExists succeeds", async () => {
    await packages.push([zip], api.OverwriteMode.IgnoreIfExists);
  });
  await check("PackageRepository.list finds the nupkg", async () => {
    const list = await packages.list({ nuGetPackageId: "Interop.Lib" });
    assert(list.TotalResults === 1 && list.Items[0].Version === "1.0.0", JSON.stringify(list.Items));
  });

  await check("BuildInformationRepository.push stores build information", async () => {
    await new api.BuildInformationRepository(client, space).push({
      spaceName: space, BuildEnvironment: "Interop", BuildNumber: "17", BuildUrl: "https://ci.example/17", Branch: "main",
      VcsType: "Git", VcsRoot: "https://github.com/ferry-deploy/ferry", VcsCommitNumber: "0123456789abcdef",
      Packages: [{ Id: "Interop", Version: "1.0.0" }, { Id: "Interop.Lib", Version: "1.0.0" }],
      Commits: [{ Id: "0123456789abcdef", Comment: "FERRY-1 interop" }],
    }, api.OverwriteMode.FailIfExists);
    const pkg = await packages.get("packages-Interop.1.0.0");
    assert(pkg.PackageVersionBuildInformation && pkg.PackageVersionBuildInformation.BuildNumber === "17", JSON.stringify(pkg));
  });

  await check("ProjectRepository and EnvironmentRepository list by partial name", async () => {
    const projects = await new api.ProjectRepository(client, space).list({ partialName: "Interop" });
    assert(projects.Items.some((p) => p.Name === "Interop"), "project not found");
    const envs = await new api.EnvironmentRepository(client, space).list({ partialName: "Dev" });
    assert(envs.Items.some((e) => e.Name === "Development"), "environment not found");
  });

  let releaseId;
  await check("ReleaseRepository.create creates a release", async () => {
    const created = await new api.ReleaseRepository(client, space).create({ spaceName: space, ProjectName: "Interop", ReleaseVersion: "1.0.0" });
    releaseId = created.ReleaseId;
    assert(created.ReleaseVersion === "1.0.0" && /^Releases-\d+$/.test(releaseId), JSON.stringify(created));
    const release = await new api.ReleaseRepository(client, space).get(releaseId);
    const versions = release.SelectedPackages.map((p) => `${p.ActionName}:${p.Version}`).sort();
    assert(JSON.stringify(versions) === JSON.stringify(["Interop.Lib:1.0.0", "Interop:1.0.0"]), JSON.stringify(versions));
  });

  const deployments = new api.DeploymentRepository(client, space);
  await check("a deployment past the lifecycle is refused", async () => {
    let refused = false;
    try {
      await deployments.create({ spaceName: space, ProjectName: "Interop", ReleaseVersion: "1.0.0", EnvironmentNames: ["Production"] });
    } catch (err) {
      refused = /Development/.test(String(err && err.message));
    }
    assert(refused, "Production was not refused naming Development");
  });

  let taskId;
  await check("DeploymentRepository.create deploys to the first environment", async () => {
    const answer = await deployments.create({ spaceName: space, ProjectName: "Interop", ReleaseVersion: "1.0.0", EnvironmentNames: ["Development"] });
    assert(answer.DeploymentServerTasks.length === 1, JSON.stringify(answer));
    taskId = answer.DeploymentServerTasks[0].ServerTaskId;
  });
  await check("ServerTaskWaiter waits for the task to succeed", async () => {
    const task = await new api.ServerTaskWaiter(client, space).waitForServerTaskToComplete(taskId, 250, 60000);
    assert(task.State === "Success" && task.IsCompleted && task.FinishedSuccessfully, JSON.stringify(task));
  });
  await check("the task log shows the deploy command's output", async () => {
    const raw = await new api.SpaceServerTaskRepository(client, space).getRaw(taskId);
    assert(/interop deployed 1.0.0/.test(raw) && /index.html/.test(raw), raw);
    const details = await new api.SpaceServerTaskRepository(client, space).getDetails(taskId);
    assert(details.Task.Id === taskId && details.ActivityLogs.length > 0, JSON.stringify(details).slice(0, 300));
  });
  await check("DeploymentRepository.list filters by environment and state", async () => {
    const envs = await new api.EnvironmentRepository(client, space).list({ partialName: "Development" });
    const list = await deployments.list({ environments: [envs.Items[0].Id], taskState: "Success" });
    assert(list.Items.some((d) => d.ReleaseId === releaseId), JSON.stringify(list.Items));
  });
  fs.rmSync(work, { recursive: true, force: true });
}

main()
  .catch((err) => notOk("unexpected error", err))
  .finally(() => {
    console.log(`# ${passed} passed, ${failed} failed`);
    // The client's keep-alive connections would hold the process open.
    process.exit(failed === 0 ? 0 : 1);
  });
