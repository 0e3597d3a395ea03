//! Which lines of a task's activity tree are new since the last look. Octopus serves a task's log
//! as a tree (task → steps → one child per deployment target, the children running in parallel),
//! and new lines appear inside any activity at any time, so a log read as one document and
//! followed by line count duplicates and drops lines. This remembers, per activity, the last line
//! number shown (or, for a server that does not number lines, how many were shown).

use std::collections::HashMap;

use crate::model::{Activity, ActivityLine};

/// How many of each activity's last lines a poll asks for. A poll that finds this many new
/// lines in one activity may have missed some, and reads the whole log once instead.
pub const TAIL: usize = 200;

/// A new line, with where in the tree it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLine {
    /// The names of the activities from below the root down to the line's own, e.g.
    /// `["Step 2: Deploy web", "web-02"]`; empty for the task's own lines.
    pub path: Vec<String>,
    /// The line.
    pub line: ActivityLine,
}

impl NewLine {
    /// The line as shown: `[Step 2: Deploy web / web-02] warning: text`.
    pub fn render(&self) -> String {
        let category = match self.line.category.as_str() {
            "Warning" => "warning: ",
            "Error" | "Fatal" => "error: ",
            _ => "",
        };
        if self.path.is_empty() {
            format!("{category}{}", self.line.text)
        } else {
            format!("[{}] {category}{}", self.path.join(" / "), self.line.text)
        }
    }
}

/// What a look at the tree found.
#[derive(Debug, PartialEq, Eq)]
pub enum Look {
    /// These lines are new, in tree order.
    New(Vec<NewLine>),
    /// An activity returned a full tail of new lines: some may lie before it. Nothing was
    /// taken; look again at the whole tree.
    TailTooShort,
}

/// Per-activity progress through a task's log.
#[derive(Debug, Default)]
pub struct ActivityCursor {
    seen: HashMap<String, Seen>,
    /// A line without a number was met: counts are used, and tails never asked for.
    unnumbered: bool,
}

#[derive(Debug, Default, Clone, Copy)]
struct Seen {
    last_number: Option<u64>,
    count: usize,
}

impl ActivityCursor {
    /// The tail to ask for: [`TAIL`], or none once the server was seen not to number lines.
    pub fn tail(&self) -> Option<usize> {
        (!self.unnumbered).then_some(TAIL)
    }

    /// The lines of `roots` not taken before; `tail` is what the tree was fetched with.
    pub fn look(&mut self, roots: &[Activity], tail: Option<usize>) -> Look {
        if roots.iter().any(has_unnumbered) {
            self.unnumbered = true;
            if tail.is_some() {
                return Look::TailTooShort;
            }
        }
        if let Some(tail) = tail
            && roots.iter().any(|root| self.overflows(root, tail))
        {
            return Look::TailTooShort;
        }
        let mut lines = Vec::new();
        for root in roots {
            self.take(root, &mut Vec::new(), true, &mut lines);
        }
        Look::New(lines)
    }

    fn overflows(&self, activity: &Activity, tail: usize) -> bool {
        let seen = self.seen.get(&activity.id).copied().unwrap_or_default();
        let full_of_new = activity.lines.len() >= tail
            && activity
                .lines
                .first()
                .is_some_and(|first| seen.last_number.is_none_or(|n| first.number > Some(n)));
        full_of_new || activity.children.iter().any(|child| self.overflows(child, tail))
    }

    fn take(&mut self, activity: &Activity, path: &mut Vec<String>, root: bool, out: &mut Vec<NewLine>) {
        if !root {
            path.push(activity.name.clone());
        }
        let seen = self.seen.entry(activity.id.clone()).or_default();
        let new: Vec<&ActivityLine> = if self.unnumbered {
            activity.lines.iter().skip(seen.count).collect()
        } else {
            activity.lines.iter().filter(|l| seen.last_number.is_none_or(|n| l.number > Some(n))).collect()
        };
        for line in new {
            seen.count += 1;
            if line.number.is_some() {
                seen.last_number = line.number;
            }
            out.push(NewLine { path: path.clone(), line: line.clone() });
        }
        for child in &activity.children {
            self.take(child, path, false, out);
        }
        if !root {
            path.pop();
        }
    }
}

fn has_unnumbered(activity: &Activity) -> bool {
    activity.lines.iter().any(|l| l.number.is_none()) || activity.children.iter().any(has_unnumbered)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(number: u64, text: &str) -> ActivityLine {
        ActivityLine { category: "Info".into(), text: text.into(), number: Some(number) }
    }

    fn activity(id: &str, lines: Vec<ActivityLine>, children: Vec<Activity>) -> Activity {
        Activity { id: id.into(), name: id.into(), children, lines }
    }

    fn texts(look: Look) -> Vec<String> {
        match look {
            Look::New(lines) => lines.iter().map(NewLine::render).collect(),
            Look::TailTooShort => vec!["<tail too short>".into()],
        }
    }

    #[test]
    fn lines_added_in_the_middle_of_the_tree_are_shown_once() {
        let mut cursor = ActivityCursor::default();
        let first =
            vec![activity("t", vec![line(1, "queued")], vec![activity("a", vec![line(2, "a1")], vec![])])];
        assert_eq!(texts(cursor.look(&first, Some(TAIL))), ["queued", "[a] a1"]);
        // A line in the first step and a new step after it: a line count over the whole document
        // would skip one and repeat another.
        let second = vec![activity(
            "t",
            vec![line(1, "queued")],
            vec![
                activity("a", vec![line(2, "a1"), line(4, "a2")], vec![]),
                activity("b", vec![line(3, "b1")], vec![]),
            ],
        )];
        assert_eq!(texts(cursor.look(&second, Some(TAIL))), ["[a] a2", "[b] b1"]);
        assert_eq!(texts(cursor.look(&second, Some(TAIL))), Vec::<String>::new());
    }

    #[test]
    fn a_full_tail_of_new_lines_asks_for_the_whole_log() {
        let mut cursor = ActivityCursor::default();
        let lines: Vec<ActivityLine> = (10..12).map(|n| line(n, "x")).collect();
        let tree = vec![activity("t", lines, vec![])];
        assert_eq!(cursor.look(&tree, Some(2)), Look::TailTooShort);
        assert_eq!(texts(cursor.look(&tree, None)).len(), 2);
    }

    #[test]
    fn unnumbered_lines_are_counted_and_never_tailed() {
        let mut cursor = ActivityCursor::default();
        let unnumbered =
            |text: &str| ActivityLine { category: "Info".into(), text: text.into(), number: None };
        let tree = vec![activity("t", vec![unnumbered("one")], vec![])];
        assert_eq!(cursor.look(&tree, Some(TAIL)), Look::TailTooShort);
        assert_eq!(cursor.tail(), None);
        assert_eq!(texts(cursor.look(&tree, None)), ["one"]);
        let tree = vec![activity("t", vec![unnumbered("one"), unnumbered("two")], vec![])];
        assert_eq!(texts(cursor.look(&tree, None)), ["two"]);
    }
}
