//! Which spelling of the environment flags the user typed for each name (`--to Test`,
//! `--environment Test`, `--from Test`): clap hands over the values only, and an error about an
//! unknown environment should name the flag as the user wrote it.

use std::ffi::OsString;

/// The environment flags and their aliases.
const SPELLINGS: &[&str] = &["--environment", "--to", "--from-environment", "--from"];

/// (name, flag) for every environment name given on the command line, in order.
pub fn typed(args: &[OsString]) -> Vec<(String, String)> {
    let args: Vec<String> = args.iter().map(|arg| arg.to_string_lossy().into_owned()).collect();
    let mut found = Vec::new();
    let mut tokens = args.iter().skip(1).take_while(|arg| *arg != "--");
    while let Some(token) = tokens.next() {
        if let Some((flag, value)) = token.split_once('=')
            && SPELLINGS.contains(&flag)
        {
            found.push((value.to_owned(), flag.to_owned()));
        } else if SPELLINGS.contains(&token.as_str())
            && let Some(value) = tokens.next()
        {
            found.push((value.clone(), token.clone()));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_name_keeps_the_flag_it_came_with() {
        let args: Vec<OsString> = "ferry release promote --from Test --to=Prod --environment DR -- --to x"
            .split(' ')
            .map(Into::into)
            .collect();
        let pairs = |list: &[(&str, &str)]| -> Vec<(String, String)> {
            list.iter().map(|(name, flag)| ((*name).to_owned(), (*flag).to_owned())).collect()
        };
        assert_eq!(typed(&args), pairs(&[("Test", "--from"), ("Prod", "--to"), ("DR", "--environment")]));
    }
}
