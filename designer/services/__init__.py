"""Services: every write is one function here, atomic, called by the API, the consumers, the
commands and the tasks alike. Views stay thin."""
