//! A fake of the Unimicro identity server and API (work in progress).
