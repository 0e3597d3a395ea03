//! ferry-octopus
