//! The web timeline viewer (`atscope serve`). Not built yet.
