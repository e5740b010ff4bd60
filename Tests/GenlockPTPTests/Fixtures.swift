/// Real outputs captured from linuxptp 3.1.1 (Debian 12) on a veth pair, and 4.x log forms.
enum Fixtures {
    /// `pmc -u -b 0 -s node.sock GET ...` against a slaveOnly ptp4l following a grandmaster.
    static let nodePMC = """
        sending: GET PORT_DATA_SET
        sending: GET CURRENT_DATA_SET
        \t42f58e.fffe.51f04a-1 seq 0 RESPONSE MANAGEMENT PORT_DATA_SET 
        \t\tportIdentity            42f58e.fffe.51f04a-1
        \t\tportState               UNCALIBRATED
        \t\tlogMinDelayReqInterval  0
        \t\tpeerMeanPathDelay       0
        \t\tlogAnnounceInterval     1
        \t\tannounceReceiptTimeout  3
        \t\tlogSyncInterval         -3
        \t\tdelayMechanism          1
        \t\tlogMinPdelayReqInterval 0
        \t\tversionNumber           2
        sending: GET PARENT_DATA_SET
        sending: GET DEFAULT_DATA_SET
        sending: GET TIME_STATUS_NP
        sending: GET TIME_PROPERTIES_DATA_SET
        \t42f58e.fffe.51f04a-0 seq 1 RESPONSE MANAGEMENT CURRENT_DATA_SET 
        \t\tstepsRemoved     1
        \t\toffsetFromMaster -122.0
        \t\tmeanPathDelay    2075.5
        \t42f58e.fffe.51f04a-0 seq 2 RESPONSE MANAGEMENT PARENT_DATA_SET 
        \t\tparentPortIdentity                    4e26a5.fffe.a9926c-1
        \t\tparentStats                           0
        \t\tobservedParentOffsetScaledLogVariance 0xffff
        \t\tobservedParentClockPhaseChangeRate    0x7fffffff
        \t\tgrandmasterPriority1                  10
        \t\tgm.ClockClass                         248
        \t\tgm.ClockAccuracy                      0xfe
        \t\tgm.OffsetScaledLogVariance            0xffff
        \t\tgrandmasterPriority2                  128
        \t\tgrandmasterIdentity                   4e26a5.fffe.a9926c
        \t42f58e.fffe.51f04a-0 seq 3 RESPONSE MANAGEMENT DEFAULT_DATA_SET 
        \t\ttwoStepFlag             1
        \t\tslaveOnly               1
        \t\tnumberPorts             1
        \t\tpriority1               128
        \t\tclockClass              255
        \t\tclockAccuracy           0xfe
        \t\toffsetScaledLogVariance 0xffff
        \t\tpriority2               128
        \t\tclockIdentity           42f58e.fffe.51f04a
        \t\tdomainNumber            0
        \t42f58e.fffe.51f04a-0 seq 4 RESPONSE MANAGEMENT TIME_STATUS_NP 
        \t\tmaster_offset              -122
        \t\tingress_time               1795544484367893888
        \t\tcumulativeScaledRateOffset +0.000000000
        \t\tscaledLastGmPhaseChange    0
        \t\tgmTimeBaseIndicator        0
        \t\tlastGmPhaseChange          0x0000'0000000000000000.0000
        \t\tgmPresent                  true
        \t\tgmIdentity                 4e26a5.fffe.a9926c
        \t42f58e.fffe.51f04a-0 seq 5 RESPONSE MANAGEMENT TIME_PROPERTIES_DATA_SET 
        \t\tcurrentUtcOffset      37
        \t\tleap61                0
        \t\tleap59                0
        \t\tcurrentUtcOffsetValid 0
        \t\tptpTimescale          0
        \t\ttimeTraceable         0
        \t\tfrequencyTraceable    0
        \t\ttimeSource            0xa0

        """

    /// The grandmaster's answers (its own identity as grandmaster, port MASTER).
    static let grandmasterPMC = """
        sending: GET PORT_DATA_SET
        \t4e26a5.fffe.a9926c-1 seq 0 RESPONSE MANAGEMENT PORT_DATA_SET 
        \t\tportIdentity            4e26a5.fffe.a9926c-1
        \t\tportState               MASTER
        \t4e26a5.fffe.a9926c-0 seq 1 RESPONSE MANAGEMENT CURRENT_DATA_SET 
        \t\tstepsRemoved     0
        \t\toffsetFromMaster 0.0
        \t\tmeanPathDelay    0.0
        \t4e26a5.fffe.a9926c-0 seq 2 RESPONSE MANAGEMENT PARENT_DATA_SET 
        \t\tparentPortIdentity                    4e26a5.fffe.a9926c-0
        \t\tgrandmasterIdentity                   4e26a5.fffe.a9926c
        \t4e26a5.fffe.a9926c-0 seq 3 RESPONSE MANAGEMENT DEFAULT_DATA_SET 
        \t\tslaveOnly               0
        \t\tpriority1               10
        \t\tclockIdentity           4e26a5.fffe.a9926c
        \t\tdomainNumber            0
        \t4e26a5.fffe.a9926c-0 seq 4 RESPONSE MANAGEMENT TIME_STATUS_NP 
        \t\tmaster_offset              0
        \t\tgmPresent                  false
        \t\tgmIdentity                 4e26a5.fffe.a9926c

        """
}
