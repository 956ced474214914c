//! The marketplaces. A new one is a folder here plus one line in `registry`.

mod interworks;
mod mittwald;
mod yamdu;

use crate::run::Registry;

pub fn registry() -> Registry {
    Registry {
        nodes: vec![mittwald::node(), interworks::node(), yamdu::node()],
        credentials: vec![mittwald::credential(), interworks::credential(), yamdu::credential()],
    }
}
