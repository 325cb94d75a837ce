//! Who recorded a trace, without saying who: contributor and workspace identities hashed with
//! the store's salt, so one team's hashes agree and a dictionary of user names does not
//! reverse them.

use sha2::{Digest, Sha256};

/// A store's secret salt (hex), kept in the store itself.
#[derive(Clone, PartialEq, Eq)]
pub struct Salt(String);

impl std::fmt::Debug for Salt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The salt is what keeps the hashes from being reversed: never print it.
        f.write_str("Salt(..)")
    }
}

impl Salt {
    pub fn new(secret: impl Into<String>) -> Salt {
        Salt(secret.into())
    }

    /// A new random salt (128 bits).
    pub fn random() -> Salt {
        Salt(uuid::Uuid::new_v4().simple().to_string())
    }

    pub fn secret(&self) -> &str {
        &self.0
    }

    /// The salted hash of an identity (16 hex digits); the empty identity stays empty.
    pub fn hash(&self, identity: &str) -> String {
        if identity.is_empty() {
            return String::new();
        }
        let mut hasher = Sha256::new();
        hasher.update(self.0.as_bytes());
        hasher.update([0]);
        hasher.update(identity.as_bytes());
        hex(&hasher.finalize()[..8])
    }

    /// The identities of the person at this machine, in the workspace at `root`.
    pub fn identity(&self, contributor: &str, root: &str) -> Identity {
        Identity {
            contributor: self.hash(contributor),
            workspace: self.hash(root),
        }
    }
}

/// Hashed identities, ready to stamp on traces.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identity {
    pub contributor: String,
    pub workspace: String,
}

/// The person at this machine: `$USER` (or `$USERNAME`).
pub fn current_user() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "unknown".into())
}

pub(super) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_salted_stable_and_do_not_show_the_name() {
        let team = Salt::new("team-secret");
        let alice = team.hash("alice");
        assert_eq!(alice.len(), 16);
        assert_eq!(
            alice,
            Salt::new("team-secret").hash("alice"),
            "same salt, same hash"
        );
        assert_ne!(alice, team.hash("bob"));
        assert_ne!(
            alice,
            Salt::new("other-team").hash("alice"),
            "another salt, another hash"
        );
        // An unsalted dictionary attack: the plain SHA-256 of the name is not the hash.
        let unsalted = hex(&Sha256::digest(b"alice")[..8]);
        assert_ne!(alice, unsalted);
        assert!(!alice.contains("alice"));
        assert_eq!(team.hash(""), "");
        assert_ne!(Salt::random().secret(), Salt::random().secret());
        assert_eq!(format!("{team:?}"), "Salt(..)");
    }
}
