# Sourced by the scripts: a PATH that finds a rustup cargo too.
if [ -d "$HOME/.cargo/bin" ]; then
  case ":$PATH:" in *":$HOME/.cargo/bin:"*) ;; *) PATH="$HOME/.cargo/bin:$PATH" ;; esac
  export PATH
fi
JOBS="$(nproc 2>/dev/null || echo 2)"
