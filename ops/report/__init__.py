"""`switching report`: the service-level report a regulator asks for, built from the event
store. Each process contributes its sections (`model.SOURCES`); the report prints them as
tables and writes them, with charts, to one self-contained HTML file."""
