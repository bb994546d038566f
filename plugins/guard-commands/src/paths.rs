//! Lexical path resolution for command arguments, and the judgement of which locations are too
//! important to delete or re-permission wholesale.
//!
//! No filesystem is consulted (the plugin has none): `.` and `..` are resolved lexically, `~` and
//! `$HOME` stay symbolic (the plugin does not know the user's home), and a project root that the
//! event did not name stays symbolic too.

/// What a location is relative to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Base {
    /// The filesystem root: an absolute path.
    Fs,
    /// The user's home directory (`~`, `$HOME`, `~user`).
    Home,
    /// Above the home directory (`~/..`).
    AboveHome,
    /// The project root, when its absolute path is unknown.
    Project,
    /// Above the project root whose path is unknown (`..` from the root).
    AboveProject,
}

/// A lexically normalised location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loc {
    pub base: Base,
    pub parts: Vec<String>,
}

impl Loc {
    pub fn abs(path: &str) -> Loc {
        Loc::new(Base::Fs).join(path)
    }

    pub fn new(base: Base) -> Loc {
        Loc {
            base,
            parts: Vec::new(),
        }
    }

    /// Appends a relative path, resolving `.` and `..` lexically.
    pub fn join(mut self, rel: &str) -> Loc {
        for part in rel.split('/') {
            match part {
                "" | "." => {}
                ".." => {
                    if self.parts.pop().is_none() {
                        self.base = match self.base {
                            Base::Fs => Base::Fs,
                            Base::Home | Base::AboveHome => Base::AboveHome,
                            Base::Project | Base::AboveProject => Base::AboveProject,
                        };
                    }
                }
                other => self.parts.push(other.to_string()),
            }
        }
        self
    }

    /// `self` is `other` or contains it.
    fn is_ancestor_or_self_of(&self, other: &Loc) -> bool {
        self.base == other.base && other.parts.starts_with(&self.parts)
    }
}

/// The working directory a command runs in, as far as it is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cwd {
    Known(Loc),
    Unknown,
}

/// Top-level directories whose wholesale deletion breaks the system.
const SYSTEM_DIRS: [&str; 24] = [
    "bin", "boot", "dev", "etc", "home", "lib", "lib32", "lib64", "libx32", "media", "mnt", "nix",
    "opt", "proc", "root", "run", "sbin", "snap", "srv", "sys", "usr", "var", "Users", "System",
];

/// Variables that stand for the current directory.
const CWD_FORMS: [&str; 4] = ["$PWD", "${PWD}", "$(pwd)", "`pwd`"];
/// Variables that stand for the home directory.
const HOME_FORMS: [&str; 2] = ["$HOME", "${HOME}"];

/// Resolves an argument `text` (after quote removal) against `cwd`. `dynamic` says whether the
/// word holds expansions: then only `$HOME`/`$PWD`-style prefixes are understood and anything
/// else is unknown (`None`).
pub fn resolve(text: &str, dynamic: bool, cwd: &Cwd) -> Option<Loc> {
    let (base, rest) = split_base(text, dynamic)?;
    let rest_dynamic = dynamic && (rest.contains('$') || rest.contains('`'));
    if rest_dynamic {
        return None;
    }
    match base {
        Some(loc) => Some(loc.join(rest)),
        None => match cwd {
            Cwd::Known(loc) => Some(loc.clone().join(rest)),
            Cwd::Unknown => None,
        },
    }
}

/// Splits a leading absolute, home or cwd prefix off `text`; `Some((None, rest))` means the
/// rest is relative to the current directory.
fn split_base(text: &str, dynamic: bool) -> Option<(Option<Loc>, &str)> {
    if let Some(rest) = text.strip_prefix('/') {
        return Some((Some(Loc::new(Base::Fs)), rest));
    }
    if let Some(after) = text.strip_prefix('~') {
        // `~` or `~user`: both are a home directory.
        let rest = after.find('/').map_or("", |i| &after[i..]);
        return Some((Some(Loc::new(Base::Home)), rest));
    }
    if dynamic {
        for form in HOME_FORMS {
            if let Some(rest) = text.strip_prefix(form)
                && (rest.is_empty() || rest.starts_with('/'))
            {
                return Some((Some(Loc::new(Base::Home)), rest));
            }
        }
        for form in CWD_FORMS {
            if let Some(rest) = text.strip_prefix(form)
                && (rest.is_empty() || rest.starts_with('/'))
            {
                return Some((None, rest));
            }
        }
        if text.starts_with('$') || text.starts_with('`') {
            return None;
        }
    }
    Some((None, text))
}

/// Why deleting (or re-permissioning) `loc` wholesale is dangerous, or `None` when it is not
/// one of the protected locations. `root` is the project root.
pub fn danger(loc: &Loc, root: &Loc) -> Option<&'static str> {
    match loc.base {
        Base::Fs if loc.parts.is_empty() => return Some("the filesystem root"),
        Base::Home if loc.parts.is_empty() => return Some("the home directory"),
        Base::AboveHome if loc.parts.is_empty() => return Some("a parent of the home directory"),
        Base::AboveProject if loc.parts.is_empty() => {
            return Some("a parent of the project root");
        }
        _ => {}
    }
    if *loc == *root {
        return Some("the project root");
    }
    if loc.is_ancestor_or_self_of(root) {
        return Some("a parent of the project root");
    }
    if loc.base == Base::Fs {
        let parts: Vec<&str> = loc.parts.iter().map(String::as_str).collect();
        match parts.as_slice() {
            ["root"] => return Some("a home directory"),
            ["home" | "Users", _] => return Some("a home directory"),
            [one] if SYSTEM_DIRS.contains(one) => return Some("a system directory"),
            _ => {}
        }
    }
    None
}

/// Like [`danger`], but leaves out the project root itself and its parents: for operations
/// (like `chown -R`) that are routine on one's own project.
pub fn system_danger(loc: &Loc) -> Option<&'static str> {
    let nowhere = Loc::new(Base::Project).join("\u{0}unreachable");
    danger(loc, &nowhere)
}

/// The path component matches (nearly) every entry of a directory: `*`, `.*`, `*.*`, `**`,
/// `[!.]*`, … — a glob with no literal characters other than dots.
pub fn is_catch_all_glob(component: &str) -> bool {
    if !component.contains(['*', '?', '[']) {
        return false;
    }
    let mut chars = component.chars();
    while let Some(c) = chars.next() {
        match c {
            '*' | '?' | '.' => {}
            '[' => {
                for c in chars.by_ref() {
                    if c == ']' {
                        break;
                    }
                }
            }
            '{' | '}' | ',' => {}
            _ => return false,
        }
    }
    true
}

/// Splits a trailing catch-all glob off a path: `"~/*"` → `Some("~")`, `"*"` → `Some(".")`.
pub fn strip_catch_all(text: &str) -> Option<String> {
    let trimmed = text.trim_end_matches('/');
    let (dir, last) = match trimmed.rfind('/') {
        Some(i) => (&trimmed[..i], &trimmed[i + 1..]),
        None => ("", trimmed),
    };
    if !is_catch_all_glob(last) {
        return None;
    }
    Some(match (dir, trimmed.starts_with('/')) {
        ("", true) => "/".to_string(),
        ("", false) => ".".to_string(),
        (dir, _) => dir.to_string(),
    })
}

/// A block device: writing to it, or formatting it, destroys a disk.
pub fn is_block_device(path: &str) -> bool {
    const PREFIXES: [&str; 15] = [
        "sd", "hd", "vd", "xvd", "nvme", "disk", "rdisk", "mmcblk", "md", "dm-", "mapper/", "loop",
        "nbd", "sr", "root",
    ];
    let loc = Loc::abs(path);
    if !path.starts_with('/') || loc.parts.first().map(String::as_str) != Some("dev") {
        return false;
    }
    let name = loc.parts[1..].join("/");
    PREFIXES.iter().any(|p| name.starts_with(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root() -> Loc {
        Loc::abs("/work/proj")
    }

    fn known(path: &str) -> Cwd {
        Cwd::Known(Loc::abs(path))
    }

    fn judge(text: &str, dynamic: bool) -> Option<&'static str> {
        danger(&resolve(text, dynamic, &known("/work/proj"))?, &root())
    }

    #[test]
    fn normalises_dots() {
        assert_eq!(Loc::abs("/a/./b/../c/"), Loc::abs("/a/c"));
        assert_eq!(Loc::abs("/../.."), Loc::abs("/"));
        assert_eq!(
            Loc::new(Base::Home).join("../.."),
            Loc::new(Base::AboveHome)
        );
    }

    #[test]
    fn dangerous_locations() {
        assert_eq!(judge("/", false), Some("the filesystem root"));
        assert_eq!(judge("//", false), Some("the filesystem root"));
        assert_eq!(judge("/tmp/..", false), Some("the filesystem root"));
        assert_eq!(judge("~", false), Some("the home directory"));
        assert_eq!(judge("~/", false), Some("the home directory"));
        assert_eq!(judge("~bob", false), Some("the home directory"));
        assert_eq!(judge("$HOME", true), Some("the home directory"));
        assert_eq!(judge("${HOME}/", true), Some("the home directory"));
        assert_eq!(judge("~/..", false), Some("a parent of the home directory"));
        assert_eq!(judge(".", false), Some("the project root"));
        assert_eq!(judge("./", false), Some("the project root"));
        assert_eq!(judge("src/..", false), Some("the project root"));
        assert_eq!(judge("$PWD", true), Some("the project root"));
        assert_eq!(judge("..", false), Some("a parent of the project root"));
        assert_eq!(judge("/work", false), Some("a parent of the project root"));
        assert_eq!(judge("/work/proj", false), Some("the project root"));
        assert_eq!(judge("/usr", false), Some("a system directory"));
        assert_eq!(judge("/etc/", false), Some("a system directory"));
        assert_eq!(judge("/home/alice", false), Some("a home directory"));
    }

    #[test]
    fn harmless_locations() {
        assert_eq!(judge("./build", false), None);
        assert_eq!(judge("node_modules", false), None);
        assert_eq!(judge("/tmp/x", false), None);
        assert_eq!(judge("~/tmp/cache", false), None);
        assert_eq!(judge("/usr/local/lib/foo", false), None);
        assert_eq!(judge("$BUILD_DIR", true), None);
        assert_eq!(judge("$HOME/.cache/x", true), None);
        assert_eq!(judge("$HOMEDIR", true), None);
        // Single-quoted: a directory literally named `$HOME` in the project.
        assert_eq!(judge("$HOME", false), None);
    }

    #[test]
    fn unknown_project_root_is_symbolic() {
        let cwd = Cwd::Known(Loc::new(Base::Project));
        let root = Loc::new(Base::Project);
        let d = |t: &str| danger(&resolve(t, false, &cwd).unwrap(), &root);
        assert_eq!(d("."), Some("the project root"));
        assert_eq!(d(".."), Some("a parent of the project root"));
        assert_eq!(d("build"), None);
        assert_eq!(d("/"), Some("the filesystem root"));
    }

    #[test]
    fn unknown_cwd_leaves_relative_paths_unknown() {
        assert_eq!(resolve("build", false, &Cwd::Unknown), None);
        assert!(resolve("/etc", false, &Cwd::Unknown).is_some());
    }

    #[test]
    fn system_danger_ignores_the_project() {
        assert_eq!(system_danger(&Loc::abs("/")), Some("the filesystem root"));
        assert_eq!(system_danger(&Loc::abs("/work/proj")), None);
        assert_eq!(
            system_danger(&Loc::new(Base::Home)),
            Some("the home directory")
        );
    }

    #[test]
    fn catch_all_globs() {
        for g in ["*", ".*", "*.*", "**", "[!.]*", "{*,.*}", "?*"] {
            assert!(is_catch_all_glob(g), "{g}");
        }
        for g in ["*.o", "build*", "a", "", "."] {
            assert!(!is_catch_all_glob(g), "{g}");
        }
        assert_eq!(strip_catch_all("/*").as_deref(), Some("/"));
        assert_eq!(strip_catch_all("*").as_deref(), Some("."));
        assert_eq!(strip_catch_all("~/*").as_deref(), Some("~"));
        assert_eq!(strip_catch_all("./build/*").as_deref(), Some("./build"));
        assert_eq!(strip_catch_all("*.o"), None);
        assert_eq!(strip_catch_all("/tmp"), None);
    }

    #[test]
    fn block_devices() {
        for d in [
            "/dev/sda",
            "/dev/sdb1",
            "/dev/nvme0n1",
            "/dev/disk2",
            "/dev/mapper/root",
            "/dev/mmcblk0",
        ] {
            assert!(is_block_device(d), "{d}");
        }
        for d in [
            "/dev/null",
            "/dev/zero",
            "/dev/stdout",
            "/dev/tty",
            "/tmp/sda",
            "dev/sda",
        ] {
            assert!(!is_block_device(d), "{d}");
        }
    }
}
