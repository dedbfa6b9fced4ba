"""People: the register of prospective and actual participants and volunteers."""
