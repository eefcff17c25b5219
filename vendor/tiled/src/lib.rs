#![doc = include_str!("../README.md")]
#![warn(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]
#![deny(unsafe_code)]
#![deny(missing_copy_implementations)]
#![deny(missing_debug_implementations)]

mod animation;
mod cache;
mod error;
mod image;
mod layers;
mod loader;
mod map;
mod objects;
mod parse;
mod properties;
mod reader;
mod template;
mod tile;
mod tileset;
mod util;
#[cfg(feature = "world")]
mod world;

pub use animation::*;
pub use cache::*;
pub use error::*;
pub use image::*;
pub use layers::*;
pub use loader::*;
pub use map::*;
pub use objects::*;
pub use properties::*;
pub use reader::*;
pub use template::*;
pub use tile::*;
pub use tileset::*;
#[cfg(feature = "world")]
pub use world::*;
