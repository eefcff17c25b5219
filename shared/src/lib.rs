//! What Madang's server and client must agree on, and nothing that draws.
//!
//! # Layout
//!
//! - [`protocol`]: the message enums, channel ids, protocol version, the join claims carried in a
//!   connect token, and encode/decode with size limits.
//! - [`edit`]: editing a hall's objects in its TMX text, leaving the rest of the file as it was.
//! - [`map`]: the hall model read from Tiled TMX files, and the checks a map must pass.
//! - [`rules`]: the rules as pure functions: one movement step with collision, quantized
//!   positions, interest cells.
//! - [`names`]: what a display name and a comment may be.
//! - [`refusal`]: why something was refused, and what the server tells a visitor, as codes the
//!   client words in the visitor's language.
//! - [`talk`]: conversation bubbles, private areas and the stage: who hears whom.
//! - [`video`]: screens' shared playback, and reading a video's length.
//! - [`path`]: A* over the tile grid, and steering an avatar along a path.
//! - [`visit`]: what a visitor stands at (a booth, a kiosk), and the way into a booth.
//!
//! Units: positions are in tiles (floating point), x to the right and y *down*, as in Tiled; the
//! origin is the top-left corner of the hall. The client turns them into pixels.

pub mod agreement;
pub mod document;
pub mod edit;
pub mod map;
pub mod names;
pub mod path;
pub mod protocol;
pub mod refusal;
pub mod rules;
pub mod talk;
pub mod video;
pub mod visit;

pub use glam::Vec2;
