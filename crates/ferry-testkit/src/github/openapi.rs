//! GitHub's published REST API description (`@octokit/openapi`, file `api.github.com.json`) as
//! the judge of every request the fake receives and every answer it gives.
//!
//! The description is OpenAPI 3.0: its schemas are JSON Schema draft 4 plus `nullable`, which
//! is rewritten into draft 4 (`"type": ["string", "null"]`) before validation. The request body
//! of every operation is made stricter in one way: properties the description does not list are
//! refused (`additionalProperties: false`), because GitHub ignores them silently and a
//! misspelled field would otherwise go unnoticed.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::{Map, Value, json};

/// The environment variable naming `api.github.com.json`, exported by `tests/github/env.sh`.
pub const OPENAPI_ENV: &str = "FERRY_GITHUB_OPENAPI";

/// One operation of the description.
#[derive(Debug)]
pub struct Operation {
    /// `operationId`, e.g. `repos/create-release`.
    pub id: String,
    /// Upper-case method.
    pub method: String,
    /// The path template, e.g. `/repos/{owner}/{repo}/releases/{release_id}`.
    pub template: String,
    /// Whether GitHub serves it on the upload host (`servers` names `uploads.github.com`).
    pub on_upload_host: bool,
    params: Vec<Param>,
    body: Option<RequestBody>,
    /// Documented statuses and their JSON schema, when the answer has one.
    responses: BTreeMap<u16, Option<Value>>,
}

#[derive(Debug)]
struct Param {
    name: String,
    in_query: bool,
    required: bool,
    schema: Value,
}

#[derive(Debug)]
struct RequestBody {
    required: bool,
    /// Media type → schema.
    content: BTreeMap<String, Option<Value>>,
}

/// The loaded description.
pub struct Spec {
    operations: Vec<Operation>,
    schemas: Map<String, Value>,
    validators: Mutex<HashMap<String, Arc<jsonschema::Validator>>>,
}

impl std::fmt::Debug for Spec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Spec").field("operations", &self.operations.len()).finish()
    }
}

impl Spec {
    /// The description named by [`OPENAPI_ENV`], loaded once per process. Panics (the test
    /// fails) when it is missing: a fake without its judge proves nothing.
    pub fn shared() -> Arc<Spec> {
        static SPEC: OnceLock<Arc<Spec>> = OnceLock::new();
        SPEC.get_or_init(|| {
            let path = std::env::var(OPENAPI_ENV).unwrap_or_default();
            assert!(
                !path.is_empty(),
                "{OPENAPI_ENV} is not set: `source tests/github/env.sh` installs GitHub's OpenAPI description \
                 (@octokit/openapi) and exports it; tests/run.sh does this before `cargo test`"
            );
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|err| panic!("{OPENAPI_ENV}={path} could not be read: {err}"));
            let document: Value =
                serde_json::from_str(&text).unwrap_or_else(|err| panic!("{path} is not JSON: {err}"));
            Arc::new(Spec::from_document(&document))
        })
        .clone()
    }

    /// Build from the parsed description.
    pub fn from_document(document: &Value) -> Spec {
        let mut schemas = document["components"]["schemas"].as_object().cloned().unwrap_or_default();
        for schema in schemas.values_mut() {
            nullable_to_draft4(schema);
        }
        let parameters = &document["components"]["parameters"];
        let responses = &document["components"]["responses"];
        let mut operations = Vec::new();
        for (template, item) in document["paths"].as_object().into_iter().flatten() {
            let shared_params = item["parameters"].as_array().cloned().unwrap_or_default();
            for (method, op) in item.as_object().into_iter().flatten() {
                if !matches!(method.as_str(), "get" | "post" | "patch" | "put" | "delete") {
                    continue;
                }
                let params = shared_params
                    .iter()
                    .chain(op["parameters"].as_array().into_iter().flatten())
                    .map(|param| resolve(param, parameters))
                    .filter(|param| matches!(param["in"].as_str(), Some("query" | "path")))
                    .map(|param| {
                        let mut schema = param["schema"].clone();
                        nullable_to_draft4(&mut schema);
                        Param {
                            name: param["name"].as_str().unwrap_or_default().to_owned(),
                            in_query: param["in"] == "query",
                            required: param["required"].as_bool().unwrap_or(false),
                            schema,
                        }
                    })
                    .collect();
                let body = op.get("requestBody").map(|body| RequestBody {
                    required: body["required"].as_bool().unwrap_or(false),
                    content: body["content"]
                        .as_object()
                        .into_iter()
                        .flatten()
                        .map(|(media, content)| {
                            let schema = content.get("schema").cloned().map(|mut schema| {
                                nullable_to_draft4(&mut schema);
                                forbid_unknown_properties(&mut schema);
                                schema
                            });
                            (media.clone(), schema)
                        })
                        .collect(),
                });
                let responses = op["responses"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .filter_map(|(status, answer)| {
                        let answer = resolve(answer, responses);
                        let schema =
                            answer["content"]["application/json"].get("schema").cloned().map(|mut s| {
                                nullable_to_draft4(&mut s);
                                s
                            });
                        Some((status.parse().ok()?, schema))
                    })
                    .collect();
                let on_upload_host = op["servers"].as_array().is_some_and(|servers| {
                    servers.iter().any(|s| s["url"].as_str().is_some_and(|u| u.contains("uploads.")))
                });
                operations.push(Operation {
                    id: op["operationId"].as_str().unwrap_or_default().to_owned(),
                    method: method.to_ascii_uppercase(),
                    template: template.clone(),
                    on_upload_host,
                    params,
                    body,
                    responses,
                });
            }
        }
        Spec { operations, schemas, validators: Mutex::new(HashMap::new()) }
    }

    /// The operation for `method` and `path`, with its path parameters. `Err(true)` when the
    /// path exists with other methods (405), `Err(false)` when GitHub has no such path (404).
    pub fn find(&self, method: &str, path: &str) -> Result<(&Operation, HashMap<String, String>), bool> {
        let mut path_exists = false;
        // Literal segments beat parameters: `/releases/latest` is not `/releases/{release_id}`.
        let mut best: Option<(usize, &Operation, HashMap<String, String>)> = None;
        for op in &self.operations {
            let Some((literals, params)) = match_template(&op.template, path) else {
                continue;
            };
            path_exists = true;
            if op.method == method && best.as_ref().is_none_or(|(score, ..)| literals > *score) {
                best = Some((literals, op, params));
            }
        }
        best.map(|(_, op, params)| (op, params)).ok_or(path_exists)
    }

    /// Everything about a request that the description does not allow.
    pub fn check_request(
        &self,
        op: &Operation,
        path_params: &HashMap<String, String>,
        query: &[(String, String)],
        content_type: Option<&str>,
        body: &[u8],
    ) -> Vec<String> {
        let mut problems = Vec::new();
        for param in &op.params {
            let value = if param.in_query {
                query.iter().find(|(name, _)| *name == param.name).map(|(_, value)| value.as_str())
            } else {
                path_params.get(&param.name).map(String::as_str)
            };
            match value {
                None if param.required => {
                    problems.push(format!("required parameter `{}` is missing", param.name))
                }
                None => {}
                Some(value) => {
                    let instance = typed_value(value, &param.schema);
                    for error in self.validate(&param.schema, &instance) {
                        problems.push(format!("parameter `{}`={value:?}: {error}", param.name));
                    }
                }
            }
        }
        for (name, _) in query {
            if !op.params.iter().any(|param| param.in_query && param.name == *name) {
                problems.push(format!("query parameter `{name}` is not documented for {}", op.id));
            }
        }
        let media =
            content_type.map(|value| value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase());
        match &op.body {
            None if !body.is_empty() => problems.push(format!("{} takes no request body", op.id)),
            None => {}
            // The description lists application/octet-stream, but GitHub documents the upload's
            // Content-Type as the asset's own media type: any type is accepted, a missing one is not.
            Some(_) if op.on_upload_host && media.is_none() => {
                problems.push("an upload needs a Content-Type header (the asset's media type)".into());
            }
            Some(_) if op.on_upload_host => {}
            Some(request_body) => {
                match media.as_deref().and_then(|m| request_body.content.get_key_value(m)) {
                    None if body.is_empty() && !request_body.required => {}
                    None => problems.push(format!(
                        "Content-Type {:?} is not one of {:?} for {}",
                        content_type.unwrap_or("(none)"),
                        request_body.content.keys().collect::<Vec<_>>(),
                        op.id
                    )),
                    Some((_, Some(schema))) => match serde_json::from_slice::<Value>(body) {
                        Ok(instance) => {
                            for error in self.validate(schema, &instance) {
                                problems.push(format!("request body: {error}"));
                            }
                        }
                        Err(err) => problems.push(format!("request body is not JSON: {err}")),
                    },
                    Some((_, None)) => {}
                }
            }
        }
        problems
    }

    /// Whether the description documents `status` for `op`.
    pub fn documents(&self, op: &Operation, status: u16) -> bool {
        op.responses.contains_key(&status)
    }

    /// Everything about an answer that the description does not document.
    pub fn check_response(&self, op: &Operation, status: u16, body: Option<&Value>) -> Vec<String> {
        let Some(schema) = op.responses.get(&status) else {
            return vec![format!("status {status} is not documented for {}", op.id)];
        };
        match (schema, body) {
            (Some(schema), Some(body)) => self
                .validate(schema, body)
                .into_iter()
                .map(|error| format!("{} {status} answer: {error}", op.id))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Validate `instance` against `schema` (whose `$ref`s point into the description's
    /// components).
    pub fn validate(&self, schema: &Value, instance: &Value) -> Vec<String> {
        let validator = self.validator(schema);
        validator
            .iter_errors(instance)
            .map(|error| format!("{} at `{}`", error, error.instance_path()))
            .collect()
    }

    /// The components a request or response body refers to, validated against the description
    /// (for tests of the judge itself).
    pub fn component(&self, name: &str) -> Option<&Value> {
        self.schemas.get(name)
    }

    fn validator(&self, schema: &Value) -> Arc<jsonschema::Validator> {
        let key = schema.to_string();
        let mut cache = self.validators.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(validator) = cache.get(&key) {
            return validator.clone();
        }
        // The schema with just the components it reaches, so every validator stays small.
        let mut reached = Map::new();
        collect_refs(schema, &self.schemas, &mut reached);
        let mut document = schema.clone();
        if let Some(object) = document.as_object_mut() {
            object.insert("components".into(), json!({ "schemas": reached }));
        }
        let validator = Arc::new(
            jsonschema::draft4::options()
                .should_validate_formats(false)
                .build(&document)
                .unwrap_or_else(|err| panic!("GitHub's schema did not compile: {err}")),
        );
        cache.insert(key, validator.clone());
        validator
    }
}

/// Number of literal segments matched, and the parameters, when `path` fits `template`.
fn match_template(template: &str, path: &str) -> Option<(usize, HashMap<String, String>)> {
    let mut parts = template.trim_matches('/').split('/');
    let mut segments = path.trim_matches('/').split('/');
    let mut params = HashMap::new();
    let mut literals = 0;
    loop {
        match (parts.next(), segments.next()) {
            (None, None) => return Some((literals, params)),
            (Some(part), Some(segment)) => {
                if let Some(name) = part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                    if segment.is_empty() {
                        return None;
                    }
                    params.insert(name.to_owned(), percent_decode(segment));
                } else if part == segment {
                    literals += 1;
                } else {
                    return None;
                }
            }
            _ => return None,
        }
    }
}

fn percent_decode(text: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", text.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default()
}

/// A query or path value as the JSON type its schema expects (so `per_page=abc` fails).
fn typed_value(text: &str, schema: &Value) -> Value {
    match schema["type"].as_str() {
        Some("integer") => text.parse::<i64>().map(Value::from).unwrap_or_else(|_| Value::from(text)),
        Some("boolean") => match text {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => Value::from(text),
        },
        _ => Value::from(text),
    }
}

fn resolve<'a>(value: &'a Value, components: &'a Value) -> &'a Value {
    match value["$ref"].as_str().and_then(|r| r.rsplit('/').next()) {
        Some(name) => &components[name],
        None => value,
    }
}

fn collect_refs(value: &Value, all: &Map<String, Value>, reached: &mut Map<String, Value>) {
    match value {
        Value::Object(object) => {
            if let Some(name) = object
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
                && !reached.contains_key(name)
                && let Some(schema) = all.get(name)
            {
                reached.insert(name.to_owned(), schema.clone());
                collect_refs(schema, all, reached);
            }
            object.values().for_each(|child| collect_refs(child, all, reached));
        }
        Value::Array(items) => items.iter().for_each(|child| collect_refs(child, all, reached)),
        _ => {}
    }
}

/// OpenAPI 3.0's `nullable: true` in draft 4 terms.
fn nullable_to_draft4(value: &mut Value) {
    match value {
        Value::Object(object) => {
            object.values_mut().for_each(nullable_to_draft4);
            if object.remove("nullable") != Some(Value::Bool(true)) {
                return;
            }
            if let Some(Value::String(kind)) = object.get("type").cloned() {
                object.insert("type".into(), json!([kind, "null"]));
                if let Some(Value::Array(values)) = object.get_mut("enum") {
                    values.push(Value::Null);
                }
            } else {
                let inner = Value::Object(std::mem::take(object));
                object.insert("anyOf".into(), json!([{ "type": "null" }, inner]));
            }
        }
        Value::Array(items) => items.iter_mut().for_each(nullable_to_draft4),
        _ => {}
    }
}

fn forbid_unknown_properties(schema: &mut Value) {
    if let Some(object) = schema.as_object_mut()
        && object.contains_key("properties")
        && !object.contains_key("additionalProperties")
    {
        object.insert("additionalProperties".into(), Value::Bool(false));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nullable_becomes_a_null_type() {
        let mut schema = json!({"type": "object", "properties": {
            "a": {"type": "string", "nullable": true},
            "b": {"allOf": [{"$ref": "#/components/schemas/x"}], "nullable": true},
        }});
        nullable_to_draft4(&mut schema);
        assert_eq!(schema["properties"]["a"]["type"], json!(["string", "null"]));
        assert_eq!(schema["properties"]["b"]["anyOf"][0], json!({"type": "null"}));
    }

    #[test]
    fn templates_match_literals_first() {
        assert_eq!(match_template("/repos/{owner}/{repo}", "/repos/a/b").unwrap().0, 1);
        assert!(match_template("/repos/{owner}/{repo}", "/repos/a").is_none());
        assert_eq!(
            match_template("/repos/{owner}/{repo}/releases/tags/{tag}", "/repos/a/b/releases/tags/v1%2F2")
                .unwrap()
                .1["tag"],
            "v1/2"
        );
    }
}
