//! SLM firmware build and flash orchestration (see issue "firmware"). Not built yet.
