//! The NuGet parts of a .nupkg: `{id}.nuspec` and the OPC parts `[Content_Types].xml`,
//! `_rels/.rels` and `package/services/metadata/core-properties/<hash>.psmdcp`.

use std::collections::BTreeSet;

use sha2::{Digest, Sha256};

use super::PackError;

/// Metadata written into the nuspec and core properties.
#[derive(Debug, Clone)]
pub(crate) struct Metadata<'a> {
    pub id: &'a str,
    pub version: &'a str,
    pub authors: &'a [String],
    pub title: Option<&'a str>,
    pub description: Option<&'a str>,
    pub release_notes: Option<&'a str>,
}

/// Escape text for XML element content and attribute values. Characters XML 1.0 cannot carry
/// (most control characters) are an error naming the field.
pub(crate) fn escape_xml(field: &str, text: &str) -> Result<String, PackError> {
    let mut out = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(character),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {
                return Err(PackError::InvalidMetadata {
                    field: field.to_owned(),
                    reason: format!(
                        "it contains the control character U+{:04X}, which XML cannot hold",
                        c as u32
                    ),
                });
            }
            c => out.push(c),
        }
    }
    Ok(out)
}

/// A zip part name for a file path: each segment escaped as .NET's `Uri.EscapeDataString` does
/// (everything but ASCII letters, digits and `-._~` becomes `%XX` of its UTF-8 bytes).
pub(crate) fn part_name(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Refuse content that would collide with or be mistaken for the parts Ferry writes.
pub(crate) fn check_content_name(name: &str) -> Result<(), PackError> {
    let lower = name.to_ascii_lowercase();
    let root_nuspec = !lower.contains('/') && lower.ends_with(".nuspec");
    if root_nuspec || lower == "_rels/.rels" || lower.starts_with("package/services/metadata/") {
        return Err(PackError::ReservedName { name: name.to_owned() });
    }
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The metadata parts, name and content, in the order they are written (before the content).
/// `content` are the part names of the payload files.
pub(crate) fn parts(meta: &Metadata<'_>, content: &[String]) -> Result<Vec<(String, Vec<u8>)>, PackError> {
    let digest = Sha256::digest(format!("{}\0{}", meta.id, meta.version).as_bytes());
    let digest = hex(&digest);
    let psmdcp = format!("package/services/metadata/core-properties/{}.psmdcp", &digest[..32]);
    let nuspec_name = format!("{}.nuspec", meta.id);
    let authors = if meta.authors.is_empty() { meta.id.to_owned() } else { meta.authors.join(", ") };
    let authors = escape_xml("--author", &authors)?;
    let description = escape_xml("--description", meta.description.unwrap_or(meta.id))?;
    let id = escape_xml("--id", meta.id)?;
    let version = escape_xml("--version", meta.version)?;
    let title = meta.title.map(|title| escape_xml("--title", title)).transpose()?;
    let notes = meta.release_notes.map(|notes| escape_xml("--release-notes", notes)).transpose()?;

    let mut nuspec = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    nuspec.push_str(
        "<package xmlns=\"http://schemas.microsoft.com/packaging/2010/07/nuspec.xsd\">\n  <metadata>\n",
    );
    nuspec.push_str(&format!("    <id>{id}</id>\n    <version>{version}</version>\n"));
    if let Some(title) = &title {
        nuspec.push_str(&format!("    <title>{title}</title>\n"));
    }
    nuspec.push_str(&format!(
        "    <authors>{authors}</authors>\n    <description>{description}</description>\n"
    ));
    if let Some(notes) = &notes {
        nuspec.push_str(&format!("    <releaseNotes>{notes}</releaseNotes>\n"));
    }
    nuspec.push_str("  </metadata>\n</package>\n");

    let rels = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
         <Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
         <Relationship Type=\"http://schemas.microsoft.com/packaging/2010/07/manifest\" Target=\"/{}\" Id=\"R{}\" />\
         <Relationship Type=\"http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties\" Target=\"/{psmdcp}\" Id=\"R{}\" />\
         </Relationships>",
        escape_xml("--id", &part_name(&nuspec_name))?,
        &digest[32..48],
        &digest[48..64],
    );

    let mut properties = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<coreProperties xmlns:dc=\"http://purl.org/dc/elements/1.1/\" \
         xmlns:dcterms=\"http://purl.org/dc/terms/\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
         xmlns=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\">",
    );
    properties.push_str(&format!(
        "<dc:creator>{authors}</dc:creator><dc:description>{description}</dc:description>\
         <dc:identifier>{id}</dc:identifier><version>{version}</version><keywords></keywords>"
    ));
    if let Some(title) = &title {
        properties.push_str(&format!("<dc:title>{title}</dc:title>"));
    }
    properties.push_str("<lastModifiedBy>ferry</lastModifiedBy></coreProperties>");

    let mut extensions = BTreeSet::new();
    let mut overrides = Vec::new();
    for name in content.iter().chain(std::iter::once(&nuspec_name)) {
        let file = name.rsplit('/').next().unwrap_or(name);
        match file.rsplit_once('.') {
            Some((_, ext)) if !ext.is_empty() => {
                extensions.insert(ext.to_ascii_lowercase());
            }
            _ => overrides.push(name),
        }
    }
    extensions.remove("rels");
    extensions.remove("psmdcp");
    let mut types = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
         <Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\" />\
         <Default Extension=\"psmdcp\" ContentType=\"application/vnd.openxmlformats-package.core-properties+xml\" />",
    );
    for ext in &extensions {
        types.push_str(&format!(
            "<Default Extension=\"{}\" ContentType=\"application/octet\" />",
            escape_xml("file name", ext)?
        ));
    }
    for name in overrides {
        types.push_str(&format!(
            "<Override PartName=\"/{}\" ContentType=\"application/octet\" />",
            escape_xml("file name", name)?
        ));
    }
    types.push_str("</Types>");

    Ok(vec![
        ("[Content_Types].xml".to_owned(), types.into_bytes()),
        ("_rels/.rels".to_owned(), rels.into_bytes()),
        (part_name(&nuspec_name), nuspec.into_bytes()),
        (psmdcp, properties.into_bytes()),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta<'a>(authors: &'a [String]) -> Metadata<'a> {
        Metadata {
            id: "My.App",
            version: "1.2.3-beta.1",
            authors,
            title: Some("Tom & \"Jerry\""),
            description: None,
            release_notes: Some("<b>fixed</b> it's"),
        }
    }

    fn text(parts: &[(String, Vec<u8>)], name: &str) -> String {
        let part = parts.iter().find(|(n, _)| n == name).unwrap_or_else(|| panic!("no part {name}"));
        String::from_utf8(part.1.clone()).unwrap()
    }

    #[test]
    fn nuspec_is_escaped_and_defaults_apply() {
        let parts = parts(&meta(&[]), &["a b.txt".to_owned(), "bin/run".to_owned()]).unwrap();
        let nuspec = text(&parts, "My.App.nuspec");
        assert!(nuspec.contains("<id>My.App</id>") && nuspec.contains("<version>1.2.3-beta.1</version>"));
        assert!(nuspec.contains("<authors>My.App</authors>"), "authors default to the id: {nuspec}");
        assert!(nuspec.contains("<description>My.App</description>"));
        assert!(nuspec.contains("<title>Tom &amp; &quot;Jerry&quot;</title>"));
        assert!(nuspec.contains("<releaseNotes>&lt;b&gt;fixed&lt;/b&gt; it&apos;s</releaseNotes>"));
        let authors = ["A <a@x>".to_owned(), "B".to_owned()];
        let nuspec = text(&super::parts(&meta(&authors), &[]).unwrap(), "My.App.nuspec");
        assert!(nuspec.contains("<authors>A &lt;a@x&gt;, B</authors>"), "{nuspec}");
    }

    #[test]
    fn opc_parts() {
        let content = vec![part_name("a b.txt"), part_name("bin/run"), part_name("x/Y.TXT")];
        let parts = parts(&meta(&[]), &content).unwrap();
        let names: Vec<&str> = parts.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names[..3], ["[Content_Types].xml", "_rels/.rels", "My.App.nuspec"]);
        assert!(
            names[3].starts_with("package/services/metadata/core-properties/")
                && names[3].ends_with(".psmdcp")
        );
        assert_eq!(names[3].len(), "package/services/metadata/core-properties/".len() + 32 + 7);
        let types = text(&parts, "[Content_Types].xml");
        assert_eq!(types.matches("Extension=\"txt\"").count(), 1, "one Default per extension: {types}");
        assert!(types.contains("Extension=\"nuspec\""));
        assert!(types.contains("<Override PartName=\"/bin/run\""));
        let rels = text(&parts, "_rels/.rels");
        assert!(rels.contains("Target=\"/My.App.nuspec\""));
        assert!(rels.contains(&format!("Target=\"/{}\"", names[3])));
        let props = text(&parts, names[3]);
        assert!(props.contains("<dc:identifier>My.App</dc:identifier>"));
        // Deterministic.
        assert_eq!(parts, super::parts(&meta(&[]), &content).unwrap());
    }

    #[test]
    fn names_and_reserved() {
        assert_eq!(part_name("dir one/ü+x.txt"), "dir%20one/%C3%BC%2Bx.txt");
        assert!(check_content_name("Other.nuspec").is_err());
        assert!(check_content_name("_rels/.rels").is_err());
        assert!(check_content_name("package/services/metadata/x").is_err());
        assert!(check_content_name("docs/a.nuspec").is_ok());
        let err = escape_xml("--title", "a\u{1}b").unwrap_err();
        assert!(err.to_string().contains("--title") && err.to_string().contains("U+0001"), "{err}");
    }
}
