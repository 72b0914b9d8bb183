// Validates every object of rendered Kubernetes manifests (the output of `kubectl kustomize`) against the
// Kubernetes OpenAPI schemas shipped in the kubernetes-models package: types, required fields, enums and
// formats, with no network and no API server. Usage: node validate.mjs FILE.yaml
// Prints one line per object and exits 1 if any object is invalid or of a kind it has no schema for.
// kubernetes-models does not refuse unknown fields (its schemas allow additional properties): the
// consistency checks of ManifestsTest cover the fields that matter.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

const file = process.argv[2];
if (!file) {
  console.error("usage: node validate.mjs FILE.yaml");
  process.exit(2);
}

/** kubernetes-models' module for an apiVersion and kind: "apps/v1" + "StatefulSet" -> apps/v1/StatefulSet. */
function modulePath(apiVersion, kind) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  return `kubernetes-models/${group === "" ? "v1" : `${group}/${version}`}/${kind}`;
}

let failures = 0;
let count = 0;
for (const doc of parseAllDocuments(readFileSync(file, "utf8"))) {
  if (doc.errors.length > 0) {
    console.log(`FAIL yaml: ${doc.errors[0].message}`);
    failures++;
    continue;
  }
  const obj = doc.toJS();
  if (obj === null) {
    continue;
  }
  count++;
  const name = `${obj.kind}/${obj.metadata?.name}`;
  let Model;
  try {
    Model = (await import(modulePath(obj.apiVersion, obj.kind)))[obj.kind];
  } catch (e) {
    console.log(`FAIL ${name}: no schema for ${obj.apiVersion} ${obj.kind}`);
    failures++;
    continue;
  }
  try {
    new Model(obj).validate();
    console.log(`ok   ${name} (${obj.apiVersion})`);
  } catch (e) {
    console.log(`FAIL ${name}: ${e.message}`);
    failures++;
  }
}
console.log(`${count} objects, ${failures} invalid`);
process.exit(failures === 0 && count > 0 ? 0 : 1);
