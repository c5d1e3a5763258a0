//! The actions a gate decides on.

/// Something an agent or plugin wants to do.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Action {
    /// A bash command line, analysed into every simple command it runs.
    Shell(String),
    /// An argv vector run without a shell (`argv[0]` is the program).
    Argv(Vec<String>),
    /// A file access: the path as the agent gave it, relative to the workspace root or
    /// absolute. Normalised with `palisade-path` before any rule sees it.
    File {
        /// Read, write or delete.
        access: FileAccess,
        /// The path as given.
        path: String,
    },
    /// A network connection.
    Network(NetworkTarget),
    /// A named tool call with JSON arguments.
    Tool {
        /// The tool's name.
        name: String,
        /// Its arguments.
        arguments: serde_json::Value,
    },
}

/// Where a network action connects.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct NetworkTarget {
    /// `https`, `ssh`, … (lowercase).
    pub scheme: String,
    /// Host name or address (lowercase, no trailing dot).
    pub host: String,
    /// Port.
    pub port: u16,
}

impl NetworkTarget {
    /// A target, normalised (lowercase scheme and host, trailing dot removed).
    pub fn new(scheme: &str, host: &str, port: u16) -> Self {
        Self {
            scheme: scheme.to_ascii_lowercase(),
            host: host.trim_end_matches('.').to_ascii_lowercase(),
            port,
        }
    }
}

/// The kind of file access.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum FileAccess {
    /// Reading a file or listing a directory.
    Read,
    /// Creating or changing a file.
    Write,
    /// Removing a file or directory.
    Delete,
}

impl FileAccess {
    /// `"read"`, `"write"` or `"delete"`.
    pub fn as_str(self) -> &'static str {
        match self {
            FileAccess::Read => "read",
            FileAccess::Write => "write",
            FileAccess::Delete => "delete",
        }
    }
}
