//! Ferry's domain model. It depends on no other Ferry crate: versions, package identity,
//! packaging (zip, nupkg, tar.gz), build information and release notes.

pub mod build_info;
pub mod duration;
pub mod if_exists;
pub mod package_id;
pub mod package_spec;
pub mod packaging;
pub mod release_notes;
pub mod task_state;
pub mod temp_file;
pub mod version;
pub mod work_items;
