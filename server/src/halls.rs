//! The halls this server runs: every map in the maps folder, loaded and checked once at start.

use std::sync::Arc;

use bevy::prelude::*;
use madang_shared::map::{HallMap, load_expo, maps_in_dir};
use tracing::info;

use crate::StartError;
use crate::settings::Settings;

/// The halls, by index. A hall's index is how the protocol names it.
#[derive(Resource, Debug, Clone)]
pub struct Halls {
    pub maps: Vec<Arc<HallMap>>,
    /// The index of the hall newcomers arrive in.
    pub entrance: u16,
}

/// Hall ids and their spawn names, for checking join requests off the game thread.
#[derive(Debug, Clone)]
pub struct Directory {
    pub halls: Vec<(String, Vec<String>)>,
}

/// The directory shared with the join endpoint, kept up to date when a hall is reloaded.
#[derive(bevy::prelude::Resource, Debug, Clone)]
pub struct SharedDirectory(pub Arc<std::sync::RwLock<Directory>>);

impl SharedDirectory {
    pub fn new(d: Directory) -> Self {
        SharedDirectory(Arc::new(std::sync::RwLock::new(d)))
    }

    /// Whether the hall exists, and (if named) the spawn in it.
    pub fn has(&self, hall: &str, spawn: Option<&str>) -> (bool, bool) {
        match self.0.read() {
            Ok(d) => (d.has_hall(hall), spawn.is_none_or(|s| d.has_spawn(hall, s))),
            Err(_) => (false, false),
        }
    }

    pub fn set(&self, d: Directory) {
        if let Ok(mut w) = self.0.write() {
            *w = d;
        }
    }
}

impl Directory {
    pub fn has_hall(&self, id: &str) -> bool {
        self.halls.iter().any(|(h, _)| h == id)
    }

    pub fn has_spawn(&self, hall: &str, spawn: &str) -> bool {
        self.halls
            .iter()
            .any(|(h, spawns)| h == hall && spawns.iter().any(|s| s == spawn))
    }
}

impl Halls {
    /// Loads every map in the settings' folder; refuses to start on any problem.
    pub fn load(settings: &Settings) -> Result<Self, StartError> {
        let paths = maps_in_dir(&settings.maps_dir).map_err(|err| StartError::MapsDir {
            path: settings.maps_dir.clone(),
            err,
        })?;
        let maps = load_expo(&paths).map_err(StartError::Maps)?;
        let entrance = maps
            .iter()
            .position(|m| m.id == settings.entrance)
            .ok_or_else(|| StartError::NoEntrance(settings.entrance.clone()))?;
        if maps.len() > u16::MAX as usize {
            return Err(StartError::NoEntrance("too many halls".into()));
        }
        info!(
            halls = maps.len(),
            entrance = %settings.entrance,
            "loaded {}",
            maps.iter().map(|m| m.id.as_str()).collect::<Vec<_>>().join(", ")
        );
        Ok(Halls {
            maps: maps.into_iter().map(Arc::new).collect(),
            entrance: entrance as u16,
        })
    }

    pub fn index_of(&self, id: &str) -> Option<u16> {
        self.maps.iter().position(|m| m.id == id).map(|i| i as u16)
    }

    pub fn get(&self, index: u16) -> Option<&Arc<HallMap>> {
        self.maps.get(index as usize)
    }

    pub fn ids(&self) -> Vec<String> {
        self.maps.iter().map(|m| m.id.clone()).collect()
    }

    pub fn directory(&self) -> Directory {
        Directory {
            halls: self
                .maps
                .iter()
                .map(|m| {
                    (
                        m.id.clone(),
                        m.spawns.iter().map(|s| s.name.clone()).collect(),
                    )
                })
                .collect(),
        }
    }
}
