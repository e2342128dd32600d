"""Pure service-desk rules: lifecycles, priorities, time, errors. No I/O, no SQLAlchemy."""
