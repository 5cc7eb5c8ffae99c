//! `.helmignore`: which files of a chart Helm leaves out, with Helm's rules (`pkg/ignore`):
//! one pattern a line (`#` comments), Go's `filepath.Match` syntax, `!` negates, a
//! trailing `/` matches directories only, a leading `/` anchors at the chart root, a
//! pattern without `/` matches the base name, and `**` is not supported. Rules apply in
//! order, Helm's default `templates/.?*` last.

/// The rules of one chart.
#[derive(Debug, Default)]
pub struct Rules {
    patterns: Vec<Pattern>,
}

#[derive(Debug)]
struct Pattern {
    glob: String,
    negate: bool,
    must_dir: bool,
    /// Matched against the whole path (it had a `/`), not the base name.
    whole_path: bool,
}

/// Helm adds this rule to every chart: dot files under `templates/` are never templates.
const DEFAULT_RULE: &str = "templates/.?*";

impl Rules {
    /// Parses a `.helmignore` text; the error names the 1-based line of a bad pattern.
    pub fn parse(text: &str) -> Result<Rules, (usize, String)> {
        let mut rules = Rules::default();
        for (index, line) in text.lines().enumerate() {
            rules.add(line).map_err(|message| (index + 1, message))?;
        }
        rules.add(DEFAULT_RULE).map_err(|message| (0, message))?;
        Ok(rules)
    }

    /// Helm's defaults alone (a chart without `.helmignore`).
    pub fn defaults() -> Rules {
        Rules::parse("").unwrap_or_default()
    }

    fn add(&mut self, line: &str) -> Result<(), String> {
        let mut rule = line.trim();
        if rule.is_empty() || rule.starts_with('#') {
            return Ok(());
        }
        if rule.contains("**") {
            return Err(format!(
                "`{rule}`: double-star (**) syntax is not supported by Helm"
            ));
        }
        let negate = rule.starts_with('!') && rule.len() > 1;
        if negate {
            rule = &rule[1..];
        }
        let must_dir = rule.ends_with('/');
        if must_dir {
            rule = rule.trim_end_matches('/');
        }
        let (glob, whole_path) = match rule.strip_prefix('/') {
            Some(anchored) => (anchored, true),
            None => (rule, rule.contains('/')),
        };
        // Validate now, as Helm does when it parses the file.
        glob_match(glob, "").map_err(|()| format!("`{line}`: not a valid pattern"))?;
        self.patterns.push(Pattern {
            glob: glob.to_string(),
            negate,
            must_dir,
            whole_path,
        });
        Ok(())
    }

    /// Whether the file or directory at `path` (relative to the chart, `/`-separated) is
    /// ignored. Helm's semantics exactly, including its odd negation: a `!` rule that does
    /// not match ignores the path.
    pub fn ignores(&self, path: &str, is_dir: bool) -> bool {
        if path.is_empty() || path == "." || path == "./" {
            return false;
        }
        let base = path.rsplit('/').next().unwrap_or(path);
        for pattern in &self.patterns {
            let subject = if pattern.whole_path { path } else { base };
            let matched = glob_match(&pattern.glob, subject).unwrap_or(false);
            if pattern.negate {
                if (pattern.must_dir && !is_dir) || !matched {
                    return true;
                }
                continue;
            }
            if pattern.must_dir && !is_dir {
                continue;
            }
            if matched {
                return true;
            }
        }
        false
    }
}

/// Go's `filepath.Match` (on `/` paths): `*` any run of non-`/` characters, `?` one, `[…]`
/// a class (`^` negates, ranges, `\` escapes). `Err` for a malformed pattern.
pub fn glob_match(pattern: &str, name: &str) -> Result<bool, ()> {
    let pattern: Vec<char> = pattern.chars().collect();
    let name: Vec<char> = name.chars().collect();
    let valid = check_pattern(&pattern);
    if !valid {
        return Err(());
    }
    Ok(match_from(&pattern, &name))
}

/// Whether every class is closed and every escape has its character.
fn check_pattern(pattern: &[char]) -> bool {
    let mut i = 0;
    while i < pattern.len() {
        match pattern[i] {
            '\\' => {
                if i + 1 >= pattern.len() {
                    return false;
                }
                i += 2;
            }
            '[' => match class_end(pattern, i) {
                Some(end) => i = end,
                None => return false,
            },
            _ => i += 1,
        }
    }
    true
}

/// Backtracking match; `*` never crosses `/`. Patterns are short (one `.helmignore`
/// line), so the worst case stays small.
fn match_from(pattern: &[char], name: &[char]) -> bool {
    let Some((&first, rest)) = pattern.split_first() else {
        return name.is_empty();
    };
    match first {
        '*' => {
            let mut taken = 0;
            loop {
                if match_from(rest, &name[taken..]) {
                    return true;
                }
                if taken == name.len() || name[taken] == '/' {
                    return false;
                }
                taken += 1;
            }
        }
        '?' => name
            .split_first()
            .is_some_and(|(&c, tail)| c != '/' && match_from(rest, tail)),
        '[' => {
            let Some(end) = class_end(pattern, 0) else {
                return false;
            };
            name.split_first().is_some_and(|(&c, tail)| {
                c != '/'
                    && class_matches(&pattern[1..end - 1], c)
                    && match_from(&pattern[end..], tail)
            })
        }
        '\\' => rest.split_first().is_some_and(|(&literal, after)| {
            name.first() == Some(&literal) && match_from(after, &name[1..])
        }),
        literal => name.first() == Some(&literal) && match_from(rest, &name[1..]),
    }
}

/// The index just past the `]` closing the class opened at `start`.
fn class_end(pattern: &[char], start: usize) -> Option<usize> {
    let mut i = start + 1;
    if pattern.get(i) == Some(&'^') {
        i += 1;
    }
    let mut first = true;
    while i < pattern.len() {
        match pattern[i] {
            ']' if !first => return Some(i + 1),
            '\\' => i += 2,
            _ => i += 1,
        }
        first = false;
    }
    None
}

/// Whether `c` is in the class body (between `[` and `]`).
fn class_matches(body: &[char], c: char) -> bool {
    let (negated, body) = match body.split_first() {
        Some(('^', rest)) => (true, rest),
        _ => (false, body),
    };
    let mut chars = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        if body[i] == '\\' && i + 1 < body.len() {
            i += 1;
        }
        chars.push(body[i]);
        i += 1;
    }
    let mut found = false;
    let mut i = 0;
    while i < chars.len() {
        if i + 2 < chars.len() && body_has_range(&chars, i) {
            found |= chars[i] <= c && c <= chars[i + 2];
            i += 3;
        } else {
            found |= chars[i] == c;
            i += 1;
        }
    }
    found != negated
}

fn body_has_range(chars: &[char], i: usize) -> bool {
    chars[i + 1] == '-'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_globs() {
        assert_eq!(glob_match("*.tgz", "a.tgz"), Ok(true));
        assert_eq!(glob_match("*.tgz", "dir/a.tgz"), Ok(false));
        assert_eq!(glob_match("a?c", "abc"), Ok(true));
        assert_eq!(glob_match("[a-c]x", "bx"), Ok(true));
        assert_eq!(glob_match("[^a-c]x", "bx"), Ok(false));
        assert_eq!(glob_match("\\*", "*"), Ok(true));
        assert_eq!(glob_match("[a", "a"), Err(()));
        assert_eq!(glob_match(".*", ".git"), Ok(true));
    }

    #[test]
    fn helm_rules() {
        let rules = Rules::parse("# vcs\n.git/\n*.swp\n/docs\nci/*.yaml\n").unwrap();
        assert!(rules.ignores(".git", true));
        assert!(!rules.ignores(".git", false));
        assert!(rules.ignores("templates/x.swp", false));
        assert!(rules.ignores("docs", true));
        assert!(!rules.ignores("templates/docs", true));
        assert!(rules.ignores("ci/a.yaml", false));
        assert!(rules.ignores("templates/.hidden", false));
        assert!(!rules.ignores("templates/ok.yaml", false));
        assert!(Rules::parse("a/**/b\n").is_err());
    }

    #[test]
    fn negation_is_helms() {
        // Helm: a `!` rule that does not match ignores the path.
        let rules = Rules::parse("!keep.yaml\n").unwrap();
        assert!(!rules.ignores("keep.yaml", false));
        assert!(rules.ignores("other.yaml", false));
    }
}
