/// `pmc -u -b 0 -d 0 -s /var/run/ptp4l GET ...` (linuxptp 3.1.1) on Pi 5 camera nodes.
enum PMCFixtures {
    /// A node following its grandmaster, `offsetFromMaster` as given.
    static func node(portState: String = "SLAVE", offset: String = "-38.0") -> String {
        """
        sending: GET PORT_DATA_SET
        \td83add.fffe.8a12c4-1 seq 0 RESPONSE MANAGEMENT PORT_DATA_SET 
        \t\tportIdentity            d83add.fffe.8a12c4-1
        \t\tportState               \(portState)
        \t\tlogMinDelayReqInterval  0
        \t\tpeerMeanPathDelay       0
        \t\tlogSyncInterval         -3
        \t\tdelayMechanism          1
        \t\tversionNumber           2
        sending: GET CURRENT_DATA_SET
        \td83add.fffe.8a12c4-0 seq 1 RESPONSE MANAGEMENT CURRENT_DATA_SET 
        \t\tstepsRemoved     1
        \t\toffsetFromMaster \(offset)
        \t\tmeanPathDelay    3412.0
        sending: GET PARENT_DATA_SET
        \td83add.fffe.8a12c4-0 seq 2 RESPONSE MANAGEMENT PARENT_DATA_SET 
        \t\tparentPortIdentity                    d83add.fffe.7b0e11-1
        \t\tgrandmasterPriority1                  10
        \t\tgrandmasterIdentity                   d83add.fffe.7b0e11
        sending: GET DEFAULT_DATA_SET
        \td83add.fffe.8a12c4-0 seq 3 RESPONSE MANAGEMENT DEFAULT_DATA_SET 
        \t\ttwoStepFlag             1
        \t\tslaveOnly               1
        \t\tnumberPorts             1
        \t\tpriority1               128
        \t\tclockIdentity           d83add.fffe.8a12c4
        \t\tdomainNumber            0
        sending: GET TIME_STATUS_NP
        \td83add.fffe.8a12c4-0 seq 4 RESPONSE MANAGEMENT TIME_STATUS_NP 
        \t\tmaster_offset              -38
        \t\tgmPresent                  true
        \t\tgmIdentity                 d83add.fffe.7b0e11
        sending: GET TIME_PROPERTIES_DATA_SET
        \td83add.fffe.8a12c4-0 seq 5 RESPONSE MANAGEMENT TIME_PROPERTIES_DATA_SET 
        \t\tcurrentUtcOffset      37
        \t\tcurrentUtcOffsetValid 1
        \t\tptpTimescale          1
        \t\ttimeSource            0xa0

        """
    }
}
