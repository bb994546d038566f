//! Which language a file is in, from its name: well-known file names first (`Makefile`,
//! `Dockerfile`, `CMakeLists.txt`, …), then the extension, compared case-insensitively. Files
//! nothing matches are `Other`. Also which extensions are binary formats not worth reading.

/// The language of the file called `name` (a file name, not a path).
pub fn language(name: &str) -> &'static str {
    if let Some(language) = by_file_name(name) {
        return language;
    }
    let Some((stem, extension)) = name.rsplit_once('.') else {
        return OTHER;
    };
    if stem.is_empty() && !name[1..].contains('.') {
        // A dot file without an extension (`.gitignore`, `.bashrc`) was handled by name.
        return OTHER;
    }
    by_extension(&extension.to_ascii_lowercase()).unwrap_or(OTHER)
}

/// The name of the bucket for files of no known language.
pub const OTHER: &str = "Other";

fn by_file_name(name: &str) -> Option<&'static str> {
    Some(match name {
        "Makefile" | "makefile" | "GNUmakefile" => "Makefile",
        "Dockerfile" | "Containerfile" => "Dockerfile",
        "CMakeLists.txt" => "CMake",
        "Cargo.lock" | "Pipfile" | "poetry.lock" | "uv.lock" => "TOML",
        "Gemfile" | "Rakefile" | "Podfile" | "Vagrantfile" => "Ruby",
        "justfile" | "Justfile" | ".justfile" => "Just",
        "BUILD" | "WORKSPACE" | "BUILD.bazel" | "WORKSPACE.bazel" => "Starlark",
        ".bashrc" | ".bash_profile" | ".profile" | ".zshrc" | ".zprofile" => "Shell",
        "go.mod" | "go.sum" => "Go Module",
        "package-lock.json" | "composer.lock" => "JSON",
        _ if name.starts_with("Dockerfile.") => "Dockerfile",
        _ => return None,
    })
}

fn by_extension(extension: &str) -> Option<&'static str> {
    Some(match extension {
        "rs" => "Rust",
        "py" | "pyi" | "pyw" => "Python",
        "ipynb" => "Jupyter Notebook",
        "js" | "mjs" | "cjs" | "jsx" => "JavaScript",
        "ts" | "mts" | "cts" | "tsx" => "TypeScript",
        "go" => "Go",
        "c" | "h" => "C",
        "cc" | "cpp" | "cxx" | "c++" | "hh" | "hpp" | "hxx" | "h++" | "ipp" | "inl" => "C++",
        "m" | "mm" => "Objective-C",
        "cs" => "C#",
        "fs" | "fsi" | "fsx" => "F#",
        "java" => "Java",
        "kt" | "kts" => "Kotlin",
        "scala" | "sc" => "Scala",
        "groovy" | "gradle" => "Groovy",
        "clj" | "cljs" | "cljc" | "edn" => "Clojure",
        "swift" => "Swift",
        "dart" => "Dart",
        "rb" | "gemspec" | "rake" => "Ruby",
        "php" => "PHP",
        "pl" | "pm" | "t" => "Perl",
        "lua" => "Lua",
        "r" => "R",
        "jl" => "Julia",
        "hs" | "lhs" => "Haskell",
        "ml" | "mli" => "OCaml",
        "ex" | "exs" => "Elixir",
        "erl" | "hrl" => "Erlang",
        "el" => "Emacs Lisp",
        "lisp" | "lsp" | "cl" | "scm" | "ss" | "rkt" => "Lisp",
        "zig" => "Zig",
        "nim" => "Nim",
        "v" | "sv" | "svh" => "Verilog",
        "vhd" | "vhdl" => "VHDL",
        "asm" | "s" => "Assembly",
        "f" | "f90" | "f95" | "f03" | "for" => "Fortran",
        "sol" => "Solidity",
        "sql" => "SQL",
        "sh" | "bash" | "zsh" | "ksh" | "fish" => "Shell",
        "ps1" | "psm1" | "psd1" => "PowerShell",
        "bat" | "cmd" => "Batch",
        "md" | "markdown" | "mdx" => "Markdown",
        "rst" => "reStructuredText",
        "adoc" | "asciidoc" => "AsciiDoc",
        "tex" | "sty" | "cls" | "bib" => "TeX",
        "txt" => "Text",
        "toml" => "TOML",
        "yaml" | "yml" => "YAML",
        "json" | "jsonc" | "json5" | "jsonl" | "ndjson" => "JSON",
        "xml" | "xsd" | "xsl" | "xslt" | "plist" | "csproj" | "vcxproj" => "XML",
        "ini" | "cfg" | "conf" | "properties" => "INI",
        "csv" | "tsv" => "CSV",
        "html" | "htm" | "xhtml" => "HTML",
        "css" => "CSS",
        "scss" | "sass" => "Sass",
        "less" => "Less",
        "vue" => "Vue",
        "svelte" => "Svelte",
        "svg" => "SVG",
        "wit" => "WIT",
        "wat" | "wast" => "WebAssembly Text",
        "proto" => "Protocol Buffers",
        "graphql" | "gql" => "GraphQL",
        "tf" | "tfvars" | "hcl" => "HCL",
        "nix" => "Nix",
        "cmake" => "CMake",
        "mk" | "mak" => "Makefile",
        "dockerfile" => "Dockerfile",
        "just" => "Just",
        "bzl" | "star" => "Starlark",
        "vim" => "Vim Script",
        _ => return None,
    })
}

/// Formats whose content is not text: never read, counted as skipped.
pub fn is_binary_name(name: &str) -> bool {
    let Some((_, extension)) = name.rsplit_once('.') else {
        return false;
    };
    matches!(
        extension.to_ascii_lowercase().as_str(),
        "png"
            | "jpg"
            | "jpeg"
            | "gif"
            | "bmp"
            | "ico"
            | "icns"
            | "webp"
            | "tif"
            | "tiff"
            | "psd"
            | "avif"
            | "heic"
            | "pdf"
            | "zip"
            | "gz"
            | "tgz"
            | "bz2"
            | "xz"
            | "zst"
            | "7z"
            | "rar"
            | "tar"
            | "jar"
            | "war"
            | "ear"
            | "whl"
            | "exe"
            | "dll"
            | "so"
            | "dylib"
            | "a"
            | "o"
            | "obj"
            | "lib"
            | "rlib"
            | "rmeta"
            | "wasm"
            | "class"
            | "pyc"
            | "pyo"
            | "pyd"
            | "woff"
            | "woff2"
            | "ttf"
            | "otf"
            | "eot"
            | "mp3"
            | "mp4"
            | "m4a"
            | "wav"
            | "ogg"
            | "flac"
            | "avi"
            | "mov"
            | "mkv"
            | "webm"
            | "sqlite"
            | "sqlite3"
            | "db"
            | "iso"
            | "dmg"
            | "deb"
            | "rpm"
            | "node"
            | "pdb"
            | "bin"
            | "dat"
            | "pack"
            | "idx"
            | "parquet"
            | "npy"
            | "npz"
            | "pkl"
            | "onnx"
            | "safetensors"
            | "pt"
            | "lockb"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions() {
        for (name, expected) in [
            ("main.rs", "Rust"),
            ("setup.py", "Python"),
            ("index.mjs", "JavaScript"),
            ("App.tsx", "TypeScript"),
            ("main.go", "Go"),
            ("util.c", "C"),
            ("util.h", "C"),
            ("util.cpp", "C++"),
            ("Main.java", "Java"),
            ("README.md", "Markdown"),
            ("NOTES.MD", "Markdown"),
            ("Cargo.toml", "TOML"),
            ("ci.yml", "YAML"),
            ("package.json", "JSON"),
            ("build.sh", "Shell"),
            ("index.html", "HTML"),
            ("site.css", "CSS"),
            ("types.wit", "WIT"),
            ("archive.tar.gz", "Other"),
            ("LICENSE", "Other"),
            ("notes.txt", "Text"),
        ] {
            assert_eq!(language(name), expected, "{name}");
        }
    }

    #[test]
    fn file_names() {
        assert_eq!(language("Makefile"), "Makefile");
        assert_eq!(language("Dockerfile"), "Dockerfile");
        assert_eq!(language("Dockerfile.dev"), "Dockerfile");
        assert_eq!(language("CMakeLists.txt"), "CMake");
        assert_eq!(language("Cargo.lock"), "TOML");
        assert_eq!(language("justfile"), "Just");
        assert_eq!(language(".bashrc"), "Shell");
        assert_eq!(language(".gitignore"), "Other");
        assert_eq!(language(".eslintrc.json"), "JSON");
        assert_eq!(language("trailing."), "Other");
    }

    #[test]
    fn binary_names() {
        assert!(is_binary_name("logo.PNG"));
        assert!(is_binary_name("plugin.wasm"));
        assert!(is_binary_name("x.tar.gz"));
        assert!(!is_binary_name("main.rs"));
        assert!(!is_binary_name("Makefile"));
        assert!(!is_binary_name("icon.svg"));
    }
}
