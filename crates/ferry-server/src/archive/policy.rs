//! Where each entry of a package lands, decided once for upload validation and for extraction.
//!
//! The policy: entries are placed in archive order into a virtual tree of what extraction will
//! have created by then, and every path is resolved the way the kernel would resolve it on disk
//! (following links that earlier entries created, then applying `..` to the physical location).
//! An entry is refused, naming it, when
//! - its name is absolute, holds `..`, a NUL byte or a drive prefix (names are split on `/` and
//!   `\`, so a package means the same on every platform);
//! - its resolved location is outside the root, or passes through a file;
//! - it takes a location an earlier entry already holds (only a directory may repeat), or one
//!   that differs from an earlier entry only in letter case (the same file on macOS and Windows);
//! - it is a symbolic link with an absolute target or one that resolves outside the root (checked
//!   when it is created and again once the whole tree is known, since later entries can redirect a
//!   link whose target did not exist yet);
//! - it is a hard link to anything but a regular file placed earlier in the package.
//!
//! Extraction then writes each entry at its *resolved* location (a path with no link in it), so
//! a write never needs to follow a link; `write.rs` checks that on disk as a second defence.

use std::collections::HashMap;
use std::fmt;

/// A resolved location: normal components below the root (empty for the root itself).
pub type Location = Vec<String>;

/// What an archive entry is, as far as placement cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryKind {
    Dir,
    File,
    /// A symbolic link with its target text (relative to the link's folder).
    Symlink(String),
    /// A hard link with the name of the entry it links to (relative to the archive root).
    HardLink(String),
    /// Not extracted (nupkg metadata, pax headers, devices, fifos).
    Ignored,
}

/// What extraction does for one entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Skip,
    Dir(Location),
    File(Location),
    Symlink { at: Location, target: String },
    HardLink { at: Location, source: Location },
}

/// Why an entry is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// An absolute entry name.
    AbsoluteName,
    /// A `..` in an entry name.
    ParentInName,
    /// A NUL byte, drive prefix, non-UTF-8 bytes or an over-long link target.
    BadCharacter,
    /// A file or link named like the root itself.
    EmptyName,
    /// Resolves outside the root.
    Escapes,
    /// Resolves through a file.
    ThroughFile,
    /// Takes a location an earlier entry holds.
    Duplicate,
    /// Differs from an earlier location (given) only in case.
    CaseCollision(String),
    /// A link with an absolute target.
    AbsoluteLinkTarget,
    /// A link resolving outside the root.
    LinkEscapes,
    /// More than 40 links followed while resolving.
    LinkLoop,
    /// A hard link to something other than a file placed earlier.
    HardLinkNotAFile,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::AbsoluteName => f.write_str("has an absolute path, outside the target folder"),
            Refusal::ParentInName => f.write_str("has a `..` component that could write outside the target folder"),
            Refusal::BadCharacter => {
                f.write_str("has a name or link target with a NUL byte, a drive prefix, bytes that are not UTF-8 or over 4096 bytes")
            },
            Refusal::EmptyName => f.write_str("has an empty name"),
            Refusal::Escapes => f.write_str("would be written outside the target folder"),
            Refusal::ThroughFile => f.write_str("would be written below a file"),
            Refusal::Duplicate => f.write_str("takes a path an earlier entry already holds"),
            Refusal::CaseCollision(other) => {
                write!(f, "differs from the earlier entry `{other}` only in letter case")
            }
            Refusal::AbsoluteLinkTarget => f.write_str("is a link with an absolute target"),
            Refusal::LinkEscapes => f.write_str("is a link that points outside the target folder"),
            Refusal::LinkLoop => f.write_str("goes through more than 40 links (a link loop?)"),
            Refusal::HardLinkNotAFile => {
                f.write_str("is a hard link to something that is not a file placed earlier in the package")
            }
        }
    }
}

/// The same limit Linux puts on links followed while resolving one path.
const MAX_LINK_HOPS: u32 = 40;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Node {
    Dir,
    File,
    Symlink(String),
}

/// The virtual tree of everything placed so far.
#[derive(Debug, Default)]
pub struct Placer {
    nodes: HashMap<Location, Node>,
    /// Lower-cased location → the location first placed under it.
    folded: HashMap<Location, Location>,
    links: Vec<Location>,
}

impl Placer {
    /// Decide where the entry `name` of `kind` lands, and record it.
    pub fn place(&mut self, name: &str, kind: &EntryKind) -> Result<Action, Refusal> {
        if *kind == EntryKind::Ignored {
            return Ok(Action::Skip);
        }
        let parts = entry_components(name)?;
        let Some((last, parents)) = parts.split_last() else {
            // `./` and the like: the root itself.
            return match kind {
                EntryKind::Dir => Ok(Action::Skip),
                _ => Err(Refusal::EmptyName),
            };
        };
        let mut hops = 0;
        let parent = self.resolve(Vec::new(), parents, true, &mut hops)?;
        self.make_dirs(&parent)?;
        let mut at = parent.clone();
        at.push((*last).to_owned());
        match self.nodes.get(&at) {
            Some(Node::Dir) if *kind == EntryKind::Dir => return Ok(Action::Dir(at)),
            Some(_) => return Err(Refusal::Duplicate),
            None => {}
        }
        let (node, action) = match kind {
            EntryKind::Dir => (Node::Dir, Action::Dir(at.clone())),
            EntryKind::File => (Node::File, Action::File(at.clone())),
            EntryKind::Symlink(target) => {
                self.check_link(&parent, target)?;
                (Node::Symlink(target.clone()), Action::Symlink { at: at.clone(), target: target.clone() })
            }
            EntryKind::HardLink(target) => {
                let source_parts = entry_components(target).map_err(|_| Refusal::HardLinkNotAFile)?;
                let mut hops = 0;
                let source = self
                    .resolve(Vec::new(), &source_parts, false, &mut hops)
                    .map_err(|_| Refusal::HardLinkNotAFile)?;
                if self.nodes.get(&source) != Some(&Node::File) {
                    return Err(Refusal::HardLinkNotAFile);
                }
                (Node::File, Action::HardLink { at: at.clone(), source })
            }
            EntryKind::Ignored => unreachable!("handled above"),
        };
        self.insert(at.clone(), node)?;
        if matches!(action, Action::Symlink { .. }) {
            self.links.push(at);
        }
        Ok(action)
    }

    /// Once every entry is placed: every link still resolves inside (a later entry may have
    /// turned a missing part of its target into a link). Returns the first bad link.
    pub fn finish(&self) -> Result<(), (String, Refusal)> {
        for at in &self.links {
            let Some(Node::Symlink(target)) = self.nodes.get(at) else { continue };
            let parent = at[..at.len() - 1].to_vec();
            self.check_link(&parent, target).map_err(|refusal| (at.join("/"), refusal))?;
        }
        Ok(())
    }

    fn check_link(&self, parent: &Location, target: &str) -> Result<(), Refusal> {
        if target.is_empty() || target.contains('\0') {
            return Err(Refusal::BadCharacter);
        }
        if is_absolute(target) {
            return Err(Refusal::AbsoluteLinkTarget);
        }
        let parts = split(target);
        let mut hops = 0;
        match self.resolve(parent.clone(), &parts, true, &mut hops) {
            Ok(_) | Err(Refusal::ThroughFile) => Ok(()),
            Err(Refusal::Escapes) => Err(Refusal::LinkEscapes),
            Err(other) => Err(other),
        }
    }

    /// Resolve `parts` from `base` as the kernel would on the tree placed so far. Missing
    /// components resolve lexically (they are created as folders, or stay dangling).
    fn resolve(
        &self,
        base: Location,
        parts: &[&str],
        follow_last: bool,
        hops: &mut u32,
    ) -> Result<Location, Refusal> {
        let mut at = base;
        for (index, part) in parts.iter().enumerate() {
            match *part {
                "" | "." => {}
                ".." => {
                    at.pop().ok_or(Refusal::Escapes)?;
                }
                name => {
                    at.push(name.to_owned());
                    let is_last = index + 1 == parts.len();
                    match self.nodes.get(&at) {
                        Some(Node::Symlink(target)) if follow_last || !is_last => {
                            *hops += 1;
                            if *hops > MAX_LINK_HOPS {
                                return Err(Refusal::LinkLoop);
                            }
                            if is_absolute(target) {
                                return Err(Refusal::Escapes);
                            }
                            at.pop();
                            at = self.resolve(at, &split(target), true, hops)?;
                        }
                        Some(Node::File) if !is_last => return Err(Refusal::ThroughFile),
                        _ => {}
                    }
                }
            }
        }
        Ok(at)
    }

    /// Record the folders of a resolved location that do not exist yet (extraction creates them).
    fn make_dirs(&mut self, location: &Location) -> Result<(), Refusal> {
        for end in 1..=location.len() {
            let prefix = &location[..end];
            match self.nodes.get(prefix) {
                Some(Node::Dir) => {}
                Some(_) => return Err(Refusal::ThroughFile),
                None => self.insert(prefix.to_vec(), Node::Dir)?,
            }
        }
        Ok(())
    }

    fn insert(&mut self, at: Location, node: Node) -> Result<(), Refusal> {
        let folded: Location = at.iter().map(|part| part.to_lowercase()).collect();
        match self.folded.get(&folded) {
            Some(first) if *first != at => return Err(Refusal::CaseCollision(first.join("/"))),
            Some(_) => {}
            None => {
                self.folded.insert(folded, at.clone());
            }
        }
        self.nodes.insert(at, node);
        Ok(())
    }
}

/// The components of an entry name, refused when it could mean a place outside the root.
fn entry_components(name: &str) -> Result<Vec<&str>, Refusal> {
    if name.contains('\0') {
        return Err(Refusal::BadCharacter);
    }
    if is_absolute(name) {
        return Err(Refusal::AbsoluteName);
    }
    let parts: Vec<&str> = split(name).into_iter().filter(|part| !part.is_empty() && *part != ".").collect();
    if parts.contains(&"..") {
        return Err(Refusal::ParentInName);
    }
    if parts.iter().any(|part| part.contains(':')) {
        // `C:` drive prefixes and NTFS alternate data streams.
        return Err(Refusal::BadCharacter);
    }
    Ok(parts)
}

fn split(path: &str) -> Vec<&str> {
    path.split(['/', '\\']).collect()
}

fn is_absolute(path: &str) -> bool {
    let bytes = path.as_bytes();
    path.starts_with(['/', '\\']) || (bytes.len() >= 2 && bytes[1] == b':' && bytes[0].is_ascii_alphabetic())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place_all(entries: &[(&str, EntryKind)]) -> Result<Vec<Action>, (String, Refusal)> {
        let mut placer = Placer::default();
        let mut actions = Vec::new();
        for (name, kind) in entries {
            actions.push(placer.place(name, kind).map_err(|refusal| ((*name).to_owned(), refusal))?);
        }
        placer.finish()?;
        Ok(actions)
    }

    fn link(target: &str) -> EntryKind {
        EntryKind::Symlink(target.to_owned())
    }

    #[test]
    fn the_reported_escape_is_refused_at_the_second_link() {
        let refused =
            place_all(&[("a", link(".")), ("a/a/a/x", link("../../..")), ("x/evil", EntryKind::File)]);
        assert_eq!(refused.unwrap_err(), ("a/a/a/x".to_owned(), Refusal::LinkEscapes));
    }

    #[test]
    fn writes_through_links_land_at_the_resolved_location() {
        let actions =
            place_all(&[("d/", EntryKind::Dir), ("l", link("d")), ("l/f", EntryKind::File)]).unwrap();
        assert_eq!(actions[2], Action::File(vec!["d".into(), "f".into()]));
    }

    #[test]
    fn a_link_redirected_by_a_later_entry_is_refused() {
        let refused = place_all(&[("b", link("c/../..")), ("c", link("."))]);
        assert!(refused.is_err(), "{refused:?}");
        let refused = place_all(&[("s/t/b", link("c/../../../x")), ("s/t/c", link("../.."))]);
        assert_eq!(refused.unwrap_err(), ("s/t/b".to_owned(), Refusal::LinkEscapes));
    }

    #[test]
    fn names_and_targets() {
        for name in ["/etc/passwd", "\\x", "C:/x", "a/../b", "a\\..\\..\\b", "a\0b"] {
            assert!(place_all(&[(name, EntryKind::File)]).is_err(), "{name}");
        }
        assert!(place_all(&[("l", link("/etc"))]).is_err());
        assert!(place_all(&[("l", link("a\\..\\.."))]).is_err());
        assert!(place_all(&[("a", link("b")), ("b", link("a")), ("a/x", EntryKind::File)]).is_err());
        assert!(place_all(&[("f", EntryKind::File), ("f", EntryKind::File)]).is_err());
        assert!(place_all(&[("f", EntryKind::File), ("F", EntryKind::File)]).is_err());
        assert!(place_all(&[("d/", EntryKind::Dir), ("d/", EntryKind::Dir), ("./", EntryKind::Dir)]).is_ok());
        assert!(place_all(&[("f", EntryKind::File), ("f/g", EntryKind::File)]).is_err());
    }

    #[test]
    fn hard_links_only_to_files_placed_earlier() {
        let ok = place_all(&[("f", EntryKind::File), ("h", EntryKind::HardLink("f".into()))]).unwrap();
        assert_eq!(ok[1], Action::HardLink { at: vec!["h".into()], source: vec!["f".into()] });
        for entries in [
            vec![("h", EntryKind::HardLink("f".into()))],
            vec![("d/", EntryKind::Dir), ("h", EntryKind::HardLink("d".into()))],
            vec![("l", link("f")), ("f", EntryKind::File), ("h", EntryKind::HardLink("l".into()))],
            vec![("h", EntryKind::HardLink("../../etc/passwd".into()))],
            vec![("h", EntryKind::HardLink("/etc/passwd".into()))],
        ] {
            assert!(place_all(&entries).is_err(), "{entries:?}");
        }
    }
}
