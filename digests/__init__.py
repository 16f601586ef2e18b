"""Weekly digests for commissioners: figures read from storage, made safe, rendered as text."""
