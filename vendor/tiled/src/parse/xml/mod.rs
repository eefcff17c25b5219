mod map;
pub use map::*;
mod tileset;
pub use tileset::*;
