//! The nuspec inside a nupkg: its id and version must match the file name's, and its title,
//! description and release notes are kept for the feed.

use std::io::{self, Read};

use ferry_core::version::Version;

use super::ArchiveInfo;

pub fn check<R: Read + io::Seek>(
    zip: &mut zip::ZipArchive<R>,
    id: &str,
    version: &Version,
) -> Result<ArchiveInfo, String> {
    let name = zip
        .file_names()
        .filter_map(Result::ok)
        .find(|name| !name.contains('/') && name.to_ascii_lowercase().ends_with(".nuspec"))
        .map(|name| name.into_owned())
        .ok_or_else(|| "the nupkg has no .nuspec file at its root".to_owned())?;
    let entry = zip.by_name(&name).map_err(|err| format!("cannot read {name}: {err}"))?;
    let mut text = String::new();
    entry
        .take(1 << 20)
        .read_to_string(&mut text)
        .map_err(|err| format!("cannot read {name} as UTF-8 text: {err}"))?;
    let nuspec_id = element(&text, "id").ok_or_else(|| format!("{name} has no <id>"))?;
    let nuspec_version = element(&text, "version").ok_or_else(|| format!("{name} has no <version>"))?;
    if !nuspec_id.eq_ignore_ascii_case(id) {
        return Err(format!("the nuspec's id `{nuspec_id}` does not match the file name's id `{id}`"));
    }
    match nuspec_version.parse::<Version>() {
        Ok(v) if &v == version => {}
        _ => {
            return Err(format!(
                "the nuspec's version `{nuspec_version}` does not match the file name's version `{version}`"
            ));
        }
    }
    Ok(ArchiveInfo {
        title: element(&text, "title"),
        description: element(&text, "description"),
        release_notes: element(&text, "releaseNotes"),
    })
}

/// The text of the first `<tag>...</tag>` (namespace prefixes and attributes tolerated),
/// with the five XML entities decoded.
fn element(xml: &str, tag: &str) -> Option<String> {
    let mut search = 0;
    while let Some(found) = xml[search..].find('<') {
        let start = search + found + 1;
        let rest = &xml[start..];
        let name_end = rest.find(|c: char| c.is_whitespace() || c == '>' || c == '/')?;
        let name = &rest[..name_end];
        let local = name.rsplit(':').next().unwrap_or(name);
        if local == tag {
            let open_end = start + rest.find('>')? + 1;
            if xml[..open_end].ends_with("/>") {
                return Some(String::new());
            }
            let close = xml[open_end..].find("</")?;
            let raw = xml[open_end..open_end + close].trim();
            return Some(
                raw.replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&quot;", "\"")
                    .replace("&apos;", "'")
                    .replace("&amp;", "&"),
            );
        }
        search = start;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nuspec_elements() {
        let xml = r#"<?xml version="1.0"?><package xmlns="x"><metadata><id>Hello</id><version>1.0.0</version>
<description>a &amp; b</description></metadata></package>"#;
        assert_eq!(element(xml, "id").as_deref(), Some("Hello"));
        assert_eq!(element(xml, "description").as_deref(), Some("a & b"));
        assert_eq!(element(xml, "title"), None);
    }
}
