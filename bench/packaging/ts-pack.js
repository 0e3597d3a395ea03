// Pack a folder with the official Octopus TypeScript client's ZipPackageBuilder
// (@octopusdeploy/api-client), as the benchmark's reference. Usage: node ts-pack.js BASE OUT_FOLDER
const { ZipPackageBuilder } = require("@octopusdeploy/api-client");

const [basePath, outputFolder] = process.argv.slice(2);
const quiet = { debug() {}, info() {}, warn: console.warn, error: console.error };
new ZipPackageBuilder()
  .pack({
    packageId: "Bench",
    version: "1.0.0",
    basePath,
    inputFilePatterns: ["**"],
    outputFolder,
    overwrite: true,
    // No compressionLevel: despite its name the client writes it into each entry's *method*
    // field (adm-zip `header.method`), so 6 would claim "implode" and produce an unreadable zip.
    // The default, 8, means deflate, which adm-zip does with Node's zlib at its default level 6.
    logger: quiet,
  })
  .then((name) => console.log(name))
  .catch((err) => {
    console.error(err);
    process.exit(1);
  });
