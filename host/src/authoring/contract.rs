//! The `cchost:plugin` WIT contract this binary was built against, embedded so that guest
//! toolchains (componentize-py, ComponentizeJS) can build against exactly what the host links.

use std::path::Path;

use anyhow::{Context, Result};

/// Every file of `wit/`, by name.
pub const FILES: &[(&str, &str)] = &[
    ("exec.wit", include_str!("../../../wit/exec.wit")),
    ("mcp.wit", include_str!("../../../wit/mcp.wit")),
    ("model.wit", include_str!("../../../wit/model.wit")),
    ("session.wit", include_str!("../../../wit/session.wit")),
    ("types.wit", include_str!("../../../wit/types.wit")),
    ("worlds.wit", include_str!("../../../wit/worlds.wit")),
];

/// Writes the contract into `dir` (created if needed).
pub fn write_to(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("create {}", dir.display()))?;
    for (name, text) in FILES {
        let path = dir.join(name);
        std::fs::write(&path, text).with_context(|| format!("write {}", path.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_of_the_contract_is_embedded() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../wit");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".wit"))
            .collect();
        on_disk.sort();
        let embedded: Vec<&str> = FILES.iter().map(|(name, _)| *name).collect();
        assert_eq!(on_disk, embedded);
    }
}
