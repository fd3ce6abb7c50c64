"""The app shell: the Flask factory, extensions, errors, headers, languages and shared page helpers."""
