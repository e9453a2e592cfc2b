//! The parts of Codex's `config.toml` that matter to telemetry consumers.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Settings read from `$CODEX_HOME/config.toml`. Unknown keys are ignored.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct CodexConfig {
    /// Default model.
    #[serde(default)]
    pub model: Option<String>,
    /// Service tier requests are sent with (`fast`/`priority`, `flex`), when configured.
    /// Rollouts do not record it, so cost reports take it from here.
    #[serde(default)]
    pub service_tier: Option<String>,
    /// Model provider id.
    #[serde(default)]
    pub model_provider: Option<String>,
}

/// `config.toml` could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// Not readable.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Not valid TOML of the expected shape.
    #[error("{path}: {source}")]
    Toml {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: toml::de::Error,
    },
}

impl CodexConfig {
    /// Reads `home/config.toml`; a missing file is an empty config.
    pub fn load(home: &Path) -> Result<CodexConfig, ConfigError> {
        let path = home.join("config.toml");
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(source) => return Err(ConfigError::Io { path, source }),
        };
        toml::from_str(&text).map_err(|source| ConfigError::Toml { path, source })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_service_tier_and_ignores_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("config.toml"),
            "model = \"gpt-5.4\"\nservice_tier = \"fast\"\n[otel]\nexporter = \"none\"\n",
        )
        .unwrap();
        let c = CodexConfig::load(dir.path()).unwrap();
        assert_eq!(c.service_tier.as_deref(), Some("fast"));
        assert_eq!(c.model.as_deref(), Some("gpt-5.4"));
        assert_eq!(
            CodexConfig::load(&dir.path().join("none")).unwrap(),
            CodexConfig::default()
        );
    }
}
